"""Names in the generated code: tables, columns, Python attributes, URLs.

Brief names are kept wherever they can be (the JSON API speaks the brief's words); a
name that is a reserved word is quoted in SQL and given a trailing underscore in Python,
and the data-model ADR says so.
"""

from __future__ import annotations

import re

# PostgreSQL keywords that cannot be used as bare identifiers everywhere (reserved,
# type/function-name and column-name categories of PostgreSQL 15-17).
SQL_RESERVED = frozenset(
    """
all analyse analyze and any array as asc asymmetric both case cast check collate column
constraint create current_catalog current_date current_role current_time current_timestamp
current_user default deferrable desc distinct do else end except false fetch for foreign from
grant group having in initially intersect into lateral leading limit localtime localtimestamp
not null offset on only or order placing primary references returning select session_user
some symmetric system_user table then to trailing true union unique user using variadic when
where window with authorization binary collation concurrently cross current_schema freeze full
ilike inner is isnull join left like natural notnull outer overlaps right similar tablesample
verbose between bigint bit boolean char character coalesce dec decimal exists extract float
greatest grouping inout int integer interval json none normalize nullif numeric
out overlay position precision real row setof smallint substring time timestamp treat trim
values varchar xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse
xmlpi xmlroot xmlserialize xmltable national nchar
""".split()
)

PY_KEYWORDS = frozenset(
    """
False None True and as assert async await break class continue def del elif else except
finally for from global if import in is lambda nonlocal not or pass raise return try while
with yield
""".split()
)

# Attributes of pydantic's BaseModel a field must not shadow.
PY_MODEL_ATTRIBUTES = frozenset(
    """
construct copy dict from_orm json schema schema_json validate parse_file parse_obj parse_raw
update_forward_refs model_config model_fields model_extra
""".split()
)


def snake(name: str) -> str:
    """PascalCase → snake_case: OrderItem → order_item."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def plural(word: str) -> str:
    """English plural of a snake_case name's last word, good enough for table names."""
    head, _, last = word.rpartition("_")
    irregular = {
        "person": "people",
        "child": "children",
        "man": "men",
        "woman": "women",
        "mouse": "mice",
        "datum": "data",
        "index": "indexes",
        "status": "statuses",
    }
    if last in irregular:
        out = irregular[last]
    elif re.search(r"[^aeiou]y$", last):
        out = last[:-1] + "ies"
    elif re.search(r"(s|x|z|ch|sh)$", last):
        out = last + "es"
    else:
        out = last + "s"
    return f"{head}_{out}" if head else out


def sql_ident(name: str) -> str:
    """An identifier as written in SQL: quoted only when PostgreSQL would misread it."""
    return f'"{name}"' if name in SQL_RESERVED else name


def py_ident(name: str) -> str:
    """A Python attribute for a brief name: `from` → `from_`, `json` → `json_`."""
    return f"{name}_" if name in PY_KEYWORDS or name in PY_MODEL_ATTRIBUTES else name


def kebab(name: str) -> str:
    return snake(name).replace("_", "-")


def article(word: str) -> str:
    """'a' or 'an' before a word, by its first letter: good enough for entity names."""
    return "an" if word[:1].lower() in "aeiou" else "a"
