"""Every word a person reads comes from the catalogs, in both languages, safely escaped."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from handlers.i18n import Translator, catalog
from storage.enums import IncidentCategory, IncidentStatus, ModelStatus, ReportKind, Role

ROOT = Path(__file__).resolve().parents[1]
KEY_IN_CODE = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_]+)["']""")
KEY_LITERAL = re.compile(
    r"""["']((?:error|report|incident|activity|field|common|menu|recent|onboarding|nothing|cancel|help|welcome|start|console|officer|alert|digest|reminder|pause|followup|period|chart|sheet|column|guides|hamlet)\.[a-z_]+)["']"""
)
ALLOWED_TAGS = re.compile(r"</?([a-zA-Z]+)[^>]*>")


def keys_in_code() -> set[str]:
    found: set[str] = set()
    for path in [*ROOT.joinpath("handlers").rglob("*.py"), *ROOT.joinpath("bot").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        found |= set(KEY_IN_CODE.findall(text)) | set(KEY_LITERAL.findall(text))
    found |= {f"category.{c.value}" for c in IncidentCategory}
    found |= {f"kind.{k.value}" for k in ReportKind}
    found |= {f"role.{r.value}" for r in Role}
    found |= {f"status.{s.value}" for s in IncidentStatus}
    found |= {f"model_status.{s.value}" for s in ModelStatus}
    found |= {f"weekday.{day}" for day in range(7)}
    return found


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_used_in_code_is_in_both_catalogs() -> None:
    used = keys_in_code()
    assert len(used) > 80
    for locale in ("vi", "en"):
        missing = used - set(catalog(locale))
        assert not missing, f"{locale} lacks {sorted(missing)}"


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    vi, en = catalog("vi"), catalog("en")
    assert set(vi) == set(en)
    for key in vi:
        assert placeholders(vi[key]) == placeholders(en[key]), key


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_templates_use_only_bold_and_italic(locale: str) -> None:
    for key, template in catalog(locale).items():
        assert {tag.lower() for tag in ALLOWED_TAGS.findall(template)} <= {"b", "i"}, key
        assert "&" not in template.replace("&amp;", ""), key


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_placeholders_are_bare_names(locale: str) -> None:
    """The translator escapes each value before filling in: a format spec, a conversion or
    an attribute would then apply to the escaped text."""
    for key, template in catalog(locale).items():
        for _, name, spec, conversion in string.Formatter().parse(template):
            if name is not None:
                assert name.isidentifier() and not spec and not conversion, (key, name)


def test_values_are_escaped_and_templates_are_not() -> None:
    t = Translator("vi")
    rendered = t("onboarding.done", role="<script>", unit="Nà Phải & <b>Chính</b>")
    assert rendered == (
        "Đã xác nhận vai trò &lt;script&gt; của <b>Nà Phải &amp; &lt;b&gt;Chính&lt;/b&gt;</b>."
    )


def test_dates_are_written_day_first() -> None:
    from datetime import date

    assert Translator("vi").date(date(2026, 3, 7)) == "07/03/2026"
