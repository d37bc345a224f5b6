"""A made-up template for the tests: the 2021 template with one row renamed, from the year 2031.

Declared here only, registered by the tests for their own duration (templates.registered), never
in harvester/report/templates.py. The renamed row is (四)无法提供 2.: a new key and a wording no
pattern of the real templates reads. ``page_layout`` gives render.py the same table (its own
labels, written independently of the declaration), and ``report`` golden-shaped values whose
勾稽 checks all balance.

Run as a script it is `python -m harvester.browse` with the template registered first, so a
Datasette server knows it: ``python tests/report/made_up_template.py serve --db X --port N``.
"""

from __future__ import annotations

import dataclasses
import random
import sys

from harvester.report import templates

NAME = "2031"
OLD_KEY = "unable.needs_creation"
NEW = templates.Label("unable.needs_processing", "2.需要对现有政府信息进行加工分析",
                      "2. Would need existing information processed and analysed", "件", match=r"加工分析")
DOCUMENT = "国办公开办函〔2031〕1号（测试用虚构表式）"
APPLICANTS = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
              "legal_service_org", "other_org"]


def made_up() -> templates.Template:
    base = templates.get("2021")
    rows = tuple(dataclasses.replace(line, label=NEW) if line.key == OLD_KEY else line for line in base.table3)
    return dataclasses.replace(base, name=NAME, document=DOCUMENT, first_year=2031, table3=rows)


def page_layout(render) -> tuple[list, list]:
    """(table 2, table 3 outcome rows) of the made-up template for render.T2 / render.T3."""
    outcomes = []
    for first, second in render.T3["2021"]:
        if isinstance(second, list):
            second = [(NEW.key, "2.需要对现有政府信息进行加工分析") if key == OLD_KEY else (key, label)
                      for key, label in second]
        outcomes.append((first, second))
    return render.T2["2021"], outcomes


def report(seed: int, *, agency: str = "某某市人民政府", year: int = 2031) -> dict:
    """A golden-shaped report in the made-up template whose checks all balance; the renamed row
    carries values of its own (7 to 9 in every applicant column)."""
    rng = random.Random(seed)
    template = made_up()
    applications = {}
    for key in template.results:
        low = 7 if key == NEW.key else 0
        applications[key] = {c: rng.randint(low, 9) for c in APPLICANTS}
    total = {c: sum(applications[k][c] for k in template.results) for c in APPLICANTS}
    forward = {c: rng.randint(0, 3) for c in APPLICANTS}
    over = {c: rng.randint(0, min(3, total[c] + forward[c])) for c in APPLICANTS}
    applications["new_received"] = {c: total[c] + forward[c] - over[c] for c in APPLICANTS}
    applications["carried_over"] = over
    applications["total"] = total
    applications["carried_forward"] = forward
    for cells in applications.values():
        cells["total"] = sum(cells[c] for c in APPLICANTS)
    applications = {key: applications[key] for key in template.row_keys}
    reviews = {}
    for group in ("review", "suit_direct", "suit_after_review"):
        parts = {m: rng.randint(0, 5) for m in ("upheld", "corrected", "other", "pending")}
        reviews.update({f"{group}.{m}": v for m, v in parts.items()})
        reviews[f"{group}.total"] = sum(parts.values())
    active = {item: {m: rng.randint(0, 50) for m in metrics} for item, metrics in template.items()}
    return {"format": NAME, "agency": agency, "year": year, "active_disclosure": active,
            "applications": applications, "reviews_litigation": reviews}


if __name__ == "__main__":
    templates.register(made_up())
    from harvester.browse import main, prepare

    if sys.argv[1:2] == ["serve"] and "--db" in sys.argv:
        # what a crawl does at its end, here with the made-up template's labels: serve never writes
        prepare(sys.argv[sys.argv.index("--db") + 1])
    main(sys.argv[1:])
