"""`--answers FILE`: the person's answers to the provider's open questions, as TOML.

```toml
[answers]
"Do walkers set their own prices?" = "Yes, per walk, within limits the platform sets"
```
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import BadInput

EXAMPLE = '[answers]\n"Do walkers set their own prices?" = "Yes, per walk"'


def read_answers(path: str | Path) -> dict[str, str]:
    """question → answer; BadInput naming the file (and the key) when it is not that."""
    where = Path(path)
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"there is no answers file at {where}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"cannot read {where}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise BadInput(
            f"{where}: not valid TOML: {error}", hint=f"write it like:\n{EXAMPLE}"
        ) from None
    answers = data.get("answers")
    if not isinstance(answers, dict) or set(data) != {"answers"}:
        raise BadInput(
            f'{where}: expected one [answers] table of "question" = "answer"',
            hint=f"write it like:\n{EXAMPLE}",
        )
    out: dict[str, str] = {}
    for question, answer in answers.items():
        if not isinstance(answer, str) or not answer.strip():
            raise BadInput(
                f"{where}: the answer to {question!r} must be non-empty text",
                hint=f"write it like:\n{EXAMPLE}",
            )
        out[" ".join(question.split())] = answer.strip()
    return out
