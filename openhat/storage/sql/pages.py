"""The SQL shape of a page and of its links, written once over an engine's expression text.

storage.query fixes what a page means; this module fixes how it is asked: each endpoint
selection is one SELECT (the HAT, the endpoint, its filters), sorted by its keys (missing
first-ascending so it comes last both ways, the rest in the page's direction), then `seq`;
several selections are a UNION ALL of such branches, each cut to `skip + take` rows, sorted
again by the keys, `seq` and the selection's index `q`.

The expressions themselves stay per engine (sqlite/query.py, postgres/query.py): their
literal text must match the expression indexes query_indexes creates, and JSON1 and jsonb
share little. An engine supplies them as a `PageSql`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from openhat.storage.query import EndpointSelect, Filter, PageQuery, Path

Statement = tuple[str, list[Any]]  # SQL in the engine's parameter style, and its parameters


class Filters(Protocol):
    """An engine's filter builder over the JSON column `data`, appending the values it binds
    to the statement's parameters in text order."""

    def build(self, f: Filter) -> str: ...


@dataclass(frozen=True)
class PageSql:
    """An engine's expression text, and the page and links statements assembled from it."""

    lit: Callable[[str], str]  # a string as an SQL literal
    sort_keys: Callable[[Path], list[str]]  # missing, then type rank and value (storage.query)
    filters: Callable[[str, list[Any]], Filters]  # a builder over a `data` column
    data: str  # the `data` column read as JSON text
    branch: str  # how a sorted, limited SELECT (`{}`) stands in a UNION ALL
    no_limit: str  # what comes before an OFFSET without a LIMIT
    # `record_id` among the given ids, e.g. "IN (?, ?)", binding them into the parameters.
    among: Callable[[Sequence[str], list[Any]], str]

    def page_sql(self, hat_id: str, query: PageQuery) -> Statement:
        """The sorted, paged union of the query's endpoint selections; a union's rows carry
        `seq` and the sort keys after a QueriedRecord's columns."""
        params: list[Any] = []
        if query.take is not None:
            limit = f" LIMIT {query.take} OFFSET {query.skip}"
        else:
            limit = f"{self.no_limit} OFFSET {query.skip}" if query.skip else ""
        if len(query.selects) == 1:
            sql, keys = self._select(hat_id, 0, query.selects[0], query, params, union=False)
            return f"{sql} ORDER BY {_order(keys, query.descending)}{limit}", params
        branch_limit = "" if query.take is None else f" LIMIT {query.skip + query.take}"
        branches = []
        width = 0
        for index, select in enumerate(query.selects):
            sql, keys = self._select(hat_id, index, select, query, params, union=True)
            width = len(keys)
            branches.append(self.branch.format(
                f"{sql} ORDER BY {_order(keys, query.descending)}{branch_limit}"))
        outer = [f"k{i}" for i in range(width)]
        return (" UNION ALL ".join(branches)
                + f" ORDER BY {_order(outer, query.descending, 'q')}{limit}", params)

    def links_sql(self, hat_id: str, record_ids: Sequence[str],
                  select: EndpointSelect) -> Statement:
        """Records of `select` sharing a link group with one of `record_ids` (never the
        record itself), each once per main record, in insertion order."""
        params: list[Any] = []
        among = self.among(record_ids, params)
        builder = self.filters("r.data", params)
        filters = "".join(f" AND {builder.build(f)}" for f in select.filters)
        return (f"SELECT DISTINCT m.record_id, r.seq, r.record_id, r.endpoint, r.{self.data}"
                f"{self._linked_to(hat_id, among)}"
                f" AND r.endpoint = {self.lit(select.endpoint)}{filters}"
                f" ORDER BY m.record_id, r.seq", params)

    def linked_sql(self, hat_id: str, record_id: str) -> Statement:
        """Every record sharing a link group with `record_id` (never itself), whatever its
        endpoint, once, in insertion order: `seq, record_id, endpoint, data`."""
        params: list[Any] = []
        among = self.among([record_id], params)
        return (f"SELECT DISTINCT r.seq, r.record_id, r.endpoint, r.{self.data}"
                f"{self._linked_to(hat_id, among)} ORDER BY r.seq", params)

    def _linked_to(self, hat_id: str, among: str) -> str:
        """FROM and WHERE of the records `r` in a link group with a main record `m`."""
        return (" FROM record_links m JOIN record_links o ON o.hat_id = m.hat_id AND"
                " o.group_id = m.group_id AND o.record_id <> m.record_id"
                " JOIN records r ON r.hat_id = o.hat_id AND r.record_id = o.record_id"
                f" WHERE m.hat_id = {self.lit(hat_id)} AND m.record_id {among}")

    def _select(self, hat_id: str, index: int, select: EndpointSelect, query: PageQuery,
                params: list[Any], union: bool) -> tuple[str, list[str]]:
        """One endpoint's SELECT and its sort keys (without direction)."""
        builder = self.filters("data", params)
        where = [f"hat_id = {self.lit(hat_id)}", f"endpoint = {self.lit(select.endpoint)}",
                 *(builder.build(f) for f in select.filters)]
        keys = self.sort_keys(select.order_path) \
            if query.ordered and select.order_path is not None else []
        # A QueriedRecord's columns; a branch of a union adds what the union is sorted by.
        columns = ", ".join(["record_id", "endpoint", self.data, f"{index} AS q",
                             *(["seq", *(f"{k} AS k{i}" for i, k in enumerate(keys))]
                               if union else [])])
        return f"SELECT {columns} FROM records WHERE {' AND '.join(where)}", keys


def _order(keys: Sequence[str], descending: bool, tail: str = "") -> str:
    """ORDER BY terms: the first key (missing or not) always ascending, so a record without
    the field comes last both ways; then `seq` ascending, as ties keep insertion order. In
    insertion order, `seq` itself takes the direction."""
    direction = " DESC" if descending else ""
    terms = [keys[0], *(f"{k}{direction}" for k in keys[1:]), "seq"] if keys \
        else [f"seq{direction}"]
    return ", ".join([*terms, tail] if tail else terms)
