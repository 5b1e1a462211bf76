"""The page assembly of storage/sql/pages.py, over stand-in fragments: the shape both
engines' page SQL shares (their expressions are held to an oracle in test_query_equivalence)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from openhat.storage.query import EndpointSelect, Filter, PageQuery, Path
from openhat.storage.sql.pages import PageSql


class Fragments:
    def __init__(self, data: str, params: list[Any]) -> None:
        self.data = data
        self.params = params

    def build(self, f: Filter) -> str:
        self.params.append(f.value)
        return f"f({self.data})"


def among(record_ids: Sequence[str], params: list[Any]) -> str:
    params.append(list(record_ids))
    return "IN ids"


def keys(path: Path) -> list[str]:
    return ["missing", "rank", "value"]


PAGES = PageSql(lit=lambda text: f"'{text}'", sort_keys=keys, filters=Fragments,
                data="data", branch="[{}]", no_limit=" NOLIMIT", among=among)
SELECT = "SELECT record_id, endpoint, data, 0 AS q FROM records WHERE hat_id = 'h' AND"


@pytest.mark.parametrize(("query", "sql"), [
    (PageQuery((EndpointSelect("e"),)),
     f"{SELECT} endpoint = 'e' ORDER BY seq LIMIT 1000 OFFSET 0"),
    # descending insertion order turns `seq` itself
    (PageQuery((EndpointSelect("e"),), descending=True, skip=3, take=2),
     f"{SELECT} endpoint = 'e' ORDER BY seq DESC LIMIT 2 OFFSET 3"),
    # sorted: the missing-key term stays ascending (missing last both ways), ties by `seq`
    (PageQuery((EndpointSelect("e", (), ("a",)),), ordered=True, descending=True),
     f"{SELECT} endpoint = 'e' ORDER BY missing, rank DESC, value DESC, seq"
     " LIMIT 1000 OFFSET 0"),
    # an order path is ignored unless the page is ordered
    (PageQuery((EndpointSelect("e", (), ("a",)),)),
     f"{SELECT} endpoint = 'e' ORDER BY seq LIMIT 1000 OFFSET 0"),
    (PageQuery((EndpointSelect("e"),), take=None), f"{SELECT} endpoint = 'e' ORDER BY seq"),
    (PageQuery((EndpointSelect("e"),), skip=4, take=None),
     f"{SELECT} endpoint = 'e' ORDER BY seq NOLIMIT OFFSET 4"),
    (PageQuery((EndpointSelect("e", (Filter(("a",), "contains", value=1),)),)),
     f"{SELECT} endpoint = 'e' AND f(data) ORDER BY seq LIMIT 1000 OFFSET 0"),
])
def test_one_selection(query: PageQuery, sql: str) -> None:
    assert PAGES.page_sql("h", query)[0] == sql


def test_a_union_cuts_each_branch_and_breaks_ties_by_selection() -> None:
    query = PageQuery((EndpointSelect("a", (Filter(("x",), "in", value=[1]),), ("x",)),
                       EndpointSelect("b", (Filter(("y",), "in", value=[2]),), ("y",))),
                      ordered=True, skip=1, take=2)
    sql, params = PAGES.page_sql("h", query)
    branch = ("[SELECT record_id, endpoint, data, {i} AS q, seq, missing AS k0, rank AS k1,"
              " value AS k2 FROM records WHERE hat_id = 'h' AND endpoint = '{e}' AND f(data)"
              " ORDER BY missing, rank, value, seq LIMIT 3]")
    assert sql == (branch.format(i=0, e="a") + " UNION ALL " + branch.format(i=1, e="b")
                   + " ORDER BY k0, k1, k2, seq, q LIMIT 2 OFFSET 1")
    assert params == [[1], [2]]  # bound in text order


def test_links_bind_the_ids_first() -> None:
    select = EndpointSelect("e", (Filter(("a",), "contains", value=1),))
    sql, params = PAGES.links_sql("h", ["r1", "r2"], select)
    assert "WHERE m.hat_id = 'h' AND m.record_id IN ids AND r.endpoint = 'e' AND f(r.data)" \
        " ORDER BY m.record_id, r.seq" in sql
    assert params == [["r1", "r2"], 1]
