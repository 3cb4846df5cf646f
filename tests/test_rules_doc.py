"""The clone is self-contained (issue 17): every rule number the code cites is written down in
docs/rules.md, and the README points there rather than outside the repository."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LETTERS = "SGCKPWEMAY"
RULE = rf"(?:§\d+\s+)?[{LETTERS}]\d{{1,2}}(?:\s*[–-]\s*[{LETTERS}]\d{{1,2}})?"
LIST = rf"{RULE}(?:\s*[,，;、]\s*(?:§\d+\s*[,，]?\s*)?{RULE})*"
#: A citation: "SPEC K6", "SPEC §13 P2", "SPEC §3, K4", or a bracket that opens with rule numbers: "(K1, K2)".
CITE = re.compile(rf"(?:SPEC\s+(?:§\d+\s*[,，]\s*)?|[(（]\s*)({LIST})(?![\w-])")
ITEM = re.compile(rf"(§\d+\s+)?([{LETTERS}])(\d{{1,2}})(?:\s*[–-]\s*([{LETTERS}])(\d{{1,2}}))?")
#: Paper sizes look like rule numbers ("A4 landscape", "（A5，PDF）"); the A rules are A1–A2.
NOT_RULES = {"A3", "A4", "A5", "A6"}
SOURCES = ("creditstreet", "templates", "migrations", "bench", "config.py", "wsgi.py")


def cited_rules(text: str) -> set[str]:
    """Rule numbers cited in ``text``; ranges expanded, "§13" kept on the P rules it prefixes."""
    out = set()
    for m in CITE.finditer(text):
        section = None
        for it in ITEM.finditer(m.group(1)):
            section = it.group(1).strip() if it.group(1) else section
            letter, first = it.group(2), int(it.group(3))
            last = int(it.group(5)) if it.group(4) else first
            for n in range(first, last + 1):
                prefix = f"{section} " if section == "§13" and letter == "P" else ""
                out.add(prefix + f"{letter}{n}")
    return out - NOT_RULES


def defined_rules() -> set[str]:
    """The rules docs/rules.md defines: bold headings "**K7 …" and "**§13 P2 …"."""
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(rf"^\*\*((?:§13 )?[{LETTERS}]\d{{1,2}}) ", text, re.M)}


def test_the_citation_grammar():
    assert cited_rules("Grade a shop (SPEC G2).") == {"G2"}
    assert cited_rules('"""Intake (SPEC K1–K3, K6, K7; CASES K-06)."""') == {"K1", "K2", "K3", "K6", "K7"}
    assert cited_rules("(SPEC §13 P1, P2) and (P4, W2)") == {"§13 P1", "§13 P2", "P4", "W2"}
    assert cited_rules("SPEC §3, K4 and an A4 landscape page （A5，PDF）") == {"K4"}


def test_every_rule_the_code_cites_is_in_docs_rules():
    defined = defined_rules()
    assert {"S1", "G2", "K4", "K7", "M2", "P4", "§13 P4", "Y1"} <= defined
    missing = {}
    for base in SOURCES:
        root = ROOT / base
        for path in [root] if root.is_file() else sorted(root.rglob("*")):
            if path.suffix in (".py", ".html", ".js"):
                for rule in cited_rules(path.read_text(encoding="utf-8")) - defined:
                    missing.setdefault(rule, str(path.relative_to(ROOT)))
    assert not missing, f"rules cited in the code but not in docs/rules.md: {missing}"


def test_readme_points_inside_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme and "docs/rules.md" in readme
