"""List pagination with bounds: `limit` is capped, and an `offset` beyond any real list is
a 400, never a number PostgreSQL cannot take (bigint out of range was a 500)."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = 100
    max_offset = 1_000_000

    def get_offset(self, request) -> int:
        offset = super().get_offset(request)
        if offset > self.max_offset:
            raise ValidationError(
                {self.offset_query_param: [f"Must be at most {self.max_offset}."]}
            )
        return offset
