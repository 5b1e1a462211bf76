"""What a store is asked when it answers an endpoint query: backend-neutral plans.

The domain (`openhat.queries`) turns combinators and bundles into these plans; each backend
turns them into SQL. Both must give the same records in the same order, so the semantics are
fixed here, once:

- A path is a tuple of object keys. A key made only of digits also indexes an array when the
  value at that point is an array (PostgreSQL's `#>` rule).
- Ordering is by type first, then by value: null < string < number < boolean < array < object
  (jsonb's order of types). Strings compare by code point, numbers numerically, false < true.
  Arrays, and objects, tie among themselves. A record without the field comes last in both
  directions. Ties keep insertion order (then the order of the endpoint queries).
- Filters follow jsonb: `contains` is `@>`, `in` is `<@`, `between` is inclusive and compares
  like the ordering above (its bounds are scalars), `find` is English full-text search over the
  string values at the path.
- `textIn` is GET /data's ad-hoc filter (spec 3.2), with its own path rule: a one-key path
  matches that key at any depth, where it holds a string or an array with string elements; a
  longer path must hold a string exactly there, every key an object key (never an array
  index). It passes when such a string is one of `value` (a tuple of strings).

GET /data, combinators, bundles and the feed all ask for a `PageQuery`, so one assembly
(sql/pages.py) over one pair of expression builders (sqlite/query.py, postgres/query.py)
gives every page its order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

Path = tuple[str, ...]
Operator = Literal["contains", "in", "between", "find", "textIn"]
Transform = Literal["identity", "datetimeExtract", "timestampExtract", "searchable"]

# date_part fields both backends compute the same way (see jsonsem.date_part).
DATE_PARTS = frozenset({
    "century", "day", "decade", "dow", "doy", "epoch", "hour", "isodow", "isoyear",
    "microseconds", "millennium", "milliseconds", "minute", "month", "quarter", "second",
    "week", "year",
})


@dataclass(frozen=True)
class Filter:
    """One filter of an endpoint query, already checked (see openhat.query_models)."""

    path: Path
    operator: Operator
    transform: Transform = "identity"
    part: str | None = None  # the date part of datetimeExtract / timestampExtract
    value: Any = None  # contains, in: a decoded JSON value; textIn: a tuple of strings
    lower: Any = None  # between: scalar bounds
    upper: Any = None
    search: str = ""  # find


@dataclass(frozen=True)
class EndpointSelect:
    """The records of one endpoint that pass every filter; `order_path` is this endpoint's
    own path for the page's sort (the mapped field's source, spec 3.13)."""

    endpoint: str
    filters: tuple[Filter, ...] = ()
    order_path: Path | None = None


@dataclass(frozen=True)
class PageQuery:
    """The union of several endpoint selections, sorted, then `skip`/`take`. Without an
    order path the sort is insertion order. `take` None means no limit (bundles)."""

    selects: tuple[EndpointSelect, ...]
    ordered: bool = False  # sort by the selects' order paths (else by insertion)
    descending: bool = False
    skip: int = 0
    take: int | None = 1000


def endpoint_page(endpoint: str, order_path: Path | None = None, descending: bool = False,
                  skip: int = 0, take: int | None = 1000,
                  filters: tuple[Filter, ...] = ()) -> PageQuery:
    """The page of one endpoint (GET /data): filtered, sorted by `order_path` (or in
    insertion order), then `skip`/`take`."""
    return PageQuery((EndpointSelect(endpoint, filters, order_path),), order_path is not None,
                     descending, skip, take)


# NamedTuples: a page builds a thousand of them (GET /data is the hot read path).
class QueriedRecord(NamedTuple):
    record_id: str
    endpoint: str
    data: str  # JSON text as stored
    select_index: int  # which EndpointSelect of the PageQuery found it


class LinkedRecord(NamedTuple):
    main_id: str  # the page record it is linked to
    record_id: str
    endpoint: str
    data: str
