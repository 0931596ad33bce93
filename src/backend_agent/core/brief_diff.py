"""What changed between a build's brief and an evolved one, and which phases that touches.

Entities and fields are matched by name, or through `renamed_from` (a rename, not a drop
and an add). Changes the generated project cannot follow in place — another project name,
language, framework, database or auth mode, a field's type, owned_by_user, a new required
value with nothing to fill existing rows — are refused with what to do instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .brief import Brief, Entity, EntityField, Relation
from .errors import BadInput

FIXED_STACK = ("language", "framework", "database", "auth")
ALL = (
    "architecture",
    "data-model",
    "service-layer",
    "infrastructure",
    "hardening",
    "documentation",
)
PHASES_FOR = {
    "project": ("architecture", "documentation"),
    "architecture": ("architecture",),
    "targets": ("architecture", "service-layer", "infrastructure", "hardening", "documentation"),
    "schema": ALL,
    "access": ("architecture", "data-model", "service-layer", "hardening", "documentation"),
    "roles": ("architecture", "data-model", "service-layer", "hardening", "documentation"),
}
"""Which phases a kind of change runs again (phases whose files cannot change are left)."""


@dataclass(frozen=True)
class FieldChange:
    entity: str
    name: str
    how: str
    """added | removed | renamed | changed"""
    old_name: str | None = None
    what: tuple[str, ...] = ()
    """For `changed`: the options that differ (required, default, max_length, ...)."""
    required: bool = False

    def describe(self) -> str:
        if self.how == "added":
            return f"{self.entity}: + {self.name}" + (" (required)" if self.required else "")
        if self.how == "removed":
            return f"{self.entity}: − {self.name}"
        if self.how == "renamed":
            return f"{self.entity}.{self.old_name} → {self.name}"
        return f"{self.entity}.{self.name}: {', '.join(self.what)}"


@dataclass
class BriefDiff:
    old: Brief
    new: Brief
    entities_added: list[str] = field(default_factory=list)
    entities_removed: list[str] = field(default_factory=list)
    entities_renamed: list[tuple[str, str]] = field(default_factory=list)
    fields: list[FieldChange] = field(default_factory=list)
    entity_options: list[str] = field(default_factory=list)
    """Per entity, other schema options that changed (unique groups)."""
    relations_added: list[str] = field(default_factory=list)
    relations_removed: list[str] = field(default_factory=list)
    relations_changed: list[str] = field(default_factory=list)
    roles_added: list[str] = field(default_factory=list)
    roles_removed: list[str] = field(default_factory=list)
    access_changed: list[str] = field(default_factory=list)
    project_changed: list[str] = field(default_factory=list)
    targets_changed: bool = False
    architecture_changed: bool = False

    @property
    def kinds(self) -> set[str]:
        out = set()
        if (
            self.entities_added
            or self.entities_removed
            or self.entities_renamed
            or self.fields
            or self.entity_options
            or self.relations_added
            or self.relations_removed
            or self.relations_changed
        ):
            out.add("schema")
        if self.access_changed:
            out.add("access")
        if self.roles_added or self.roles_removed:
            out.add("roles")
        if self.project_changed:
            out.add("project")
        if self.targets_changed:
            out.add("targets")
        if self.architecture_changed:
            out.add("architecture")
        return out

    @property
    def empty(self) -> bool:
        return not self.kinds

    @property
    def phases(self) -> list[str]:
        """The phases this change runs again, in build order."""
        wanted = {p for kind in self.kinds for p in PHASES_FOR[kind]}
        return [p for p in ALL if p in wanted]

    def lines(self) -> list[str]:
        """One line per change, as the Phase screen and the report list them."""
        out = [f"+ entity {n}" for n in self.entities_added]
        out += [f"− entity {n}" for n in self.entities_removed]
        out += [f"entity {a} → {b}" for a, b in self.entities_renamed]
        out += [f.describe() for f in self.fields]
        out += self.entity_options
        out += [f"+ relation {r}" for r in self.relations_added]
        out += [f"− relation {r}" for r in self.relations_removed]
        out += [f"relation {r}" for r in self.relations_changed]
        out += [f"+ role {r}" for r in self.roles_added]
        out += [f"− role {r}" for r in self.roles_removed]
        out += [f"access of {e}" for e in self.access_changed]
        out += [f"project {k}" for k in self.project_changed]
        if self.targets_changed:
            out.append("targets")
        if self.architecture_changed:
            out.append(f"architecture → {self.new.stack.architecture}")
        return out

    def summary(self, width: int = 100) -> str:
        """The change in one line (a commit trailer)."""
        parts = self.lines()
        line = ""
        for count, part in enumerate(parts):
            more = f" and {len(parts) - count} more" if count else ""
            candidate = f"{line}; {part}" if line else part
            if len(candidate) + len(f" and {len(parts) - count - 1} more") > width and line:
                return line + more
            line = candidate
        return line

    @property
    def dropped(self) -> list[str]:
        """Data the change would delete: entities and fields that are gone."""
        return [f"entity {n}" for n in self.entities_removed] + [
            f"{f.entity}.{f.name}" for f in self.fields if f.how == "removed"
        ]


def diff_briefs(old: Brief, new: Brief) -> BriefDiff:
    """Compare two briefs; raise BadInput for a change the build cannot follow."""
    _refuse_fixed(old, new)
    out = BriefDiff(old, new)
    pairs = _match_entities(old, new, out)
    renamed = {a: b for a, b in out.entities_renamed}
    for before, after in pairs:
        _diff_fields(before, after, out)
        if sorted(before.unique) != sorted(after.unique):
            out.entity_options.append(f"{after.name}: unique {after.unique}")
        if before.owned_by_user != after.owned_by_user:
            raise BadInput(
                f"{after.name}: owned_by_user changes from {before.owned_by_user} to "
                f"{after.owned_by_user}, which changes who owns every existing row",
                hint="keep owned_by_user as it is; for a different ownership add a new entity "
                "and move the rows with a migration you write",
            )
        if (before.access, before.public_when) != (after.access, after.public_when):
            out.access_changed.append(after.name)
    _diff_relations(old, new, renamed, out)
    old_roles, new_roles = {r.name for r in old.roles}, {r.name for r in new.roles}
    out.roles_added = sorted(new_roles - old_roles)
    out.roles_removed = sorted(old_roles - new_roles)
    for key in ("summary", "requirements"):
        if getattr(old.project, key).strip() != getattr(new.project, key).strip():
            out.project_changed.append(key)
    out.targets_changed = old.targets != new.targets
    out.architecture_changed = old.stack.architecture != new.stack.architecture
    return out


def _refuse_fixed(old: Brief, new: Brief) -> None:
    if old.project.name != new.project.name:
        raise BadInput(
            f"the brief renames the project from {old.project.name!r} to {new.project.name!r}; "
            "a build keeps its name (it names the branch)",
            hint="keep [project] name, or start a new build with `backend-agent build --brief "
            "FILE` for the new name",
        )
    for key in FIXED_STACK:
        before, after = getattr(old.stack, key), getattr(new.stack, key)
        if before != after:
            raise BadInput(
                f"the brief changes [stack] {key} from {before!r} to {after!r}; an evolution "
                "changes a project in place and cannot switch its " + key,
                hint="keep [stack] as it is, or start a new build with `backend-agent build "
                "--brief FILE --build NEW-NAME`",
            )


def _match_entities(old: Brief, new: Brief, out: BriefDiff) -> list[tuple[Entity, Entity]]:
    before = {e.name: e for e in old.entities}
    pairs = []
    matched: set[str] = set()
    for entity in new.entities:
        if entity.name in before:
            pairs.append((before[entity.name], entity))
            matched.add(entity.name)
        elif entity.renamed_from in before and entity.renamed_from not in matched:
            pairs.append((before[entity.renamed_from], entity))
            matched.add(entity.renamed_from)
            out.entities_renamed.append((entity.renamed_from, entity.name))
        else:
            out.entities_added.append(entity.name)
    out.entities_removed = [n for n in before if n not in matched]
    return pairs


def _diff_fields(before: Entity, after: Entity, out: BriefDiff) -> None:
    old = {f.name: f for f in before.fields}
    matched: set[str] = set()
    for f in after.fields:
        earlier = old.get(f.name)
        if earlier is None and f.renamed_from in old and f.renamed_from not in matched:
            earlier = old[f.renamed_from]
            out.fields.append(FieldChange(after.name, f.name, "renamed", f.renamed_from))
        if earlier is None:
            _refuse_unfillable(after.name, f, "adds")
            out.fields.append(FieldChange(after.name, f.name, "added", required=f.required))
            continue
        matched.add(earlier.name)
        what = _options(earlier, f)
        if "type" in what:
            raise BadInput(
                f"{after.name}.{f.name} changes type from {earlier.type} to {f.type}, which "
                "rewrites the table and can fail on existing values",
                hint=f"add a new field with the new type (and drop {f.name} in a later "
                "evolution once the data is moved)",
            )
        if "required" in what and f.required:
            _refuse_unfillable(after.name, f, "makes required")
        if what:
            out.fields.append(FieldChange(after.name, f.name, "changed", what=what))
    out.fields += [FieldChange(after.name, n, "removed") for n in old if n not in matched]


def _refuse_unfillable(entity: str, f: EntityField, verb: str) -> None:
    """Existing rows need a value for a new NOT NULL column: its default backfills them."""
    if f.required and f.default is None:
        raise BadInput(
            f"the brief {verb} {entity}.{f.name}, required with no default: the rows already "
            "in the table would have no value for it",
            hint=f"give {f.name} a default (it backfills the existing rows), or add it "
            "optional now and make it required in a later evolution",
        )


def _options(a: EntityField, b: EntityField) -> tuple[str, ...]:
    left = a.model_dump(exclude={"name", "renamed_from"})
    right = b.model_dump(exclude={"name", "renamed_from"})
    return tuple(k for k in left if left[k] != right[k])


def _relation_key(r: Relation, renamed: dict[str, str]) -> tuple[str, str, str]:
    return (r.kind, renamed.get(r.from_, r.from_), renamed.get(r.to, r.to))


def _diff_relations(old: Brief, new: Brief, renamed: dict[str, str], out: BriefDiff) -> None:
    before = {_relation_key(r, renamed): r for r in old.relations}
    after = {_relation_key(r, {}): r for r in new.relations}
    for key, relation in after.items():
        text = f"{key[1]} → {key[2]} ({key[0]})"
        earlier = before.get(key)
        if earlier is None:
            existing = key[1] in {e.name for e in old.entities} or key[1] in renamed.values()
            if relation.required and existing and key[0] == "many-to-one":
                raise BadInput(
                    f"the brief adds a required relation {key[1]} → {key[2]}: the {key[1]} rows "
                    "already stored would reference nothing",
                    hint="add the relation optional (required = false) now; make it required "
                    "in a later evolution once every row has one",
                )
            out.relations_added.append(text)
        elif (earlier.required, earlier.delete_rule) != (relation.required, relation.delete_rule):
            if relation.required and not earlier.required:
                raise BadInput(
                    f"the brief makes the relation {key[1]} → {key[2]} required: stored rows "
                    "without one would break the constraint",
                    hint="fill it on every row with a migration of your own first, then "
                    "make it required",
                )
            out.relations_changed.append(f"{text}: on_delete {relation.delete_rule}")
    out.relations_removed = [f"{k[1]} → {k[2]} ({k[0]})" for k in before if k not in after]
