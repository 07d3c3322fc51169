"""Page-numbered lists; a CSV request gets every row of the filtered, scoped queryset instead,
streamed in chunks so a large list is never held in memory."""

from __future__ import annotations

from itertools import islice

from rest_framework.pagination import PageNumberPagination

from pbc.api.renderers import CsvRenderer, flatten, header_for, table_rows
from pbc.exports import csv_response

CSV_CHUNK = 1000


def wants_csv(request) -> bool:
    return isinstance(getattr(request, "accepted_renderer", None), CsvRenderer)


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000

    def paginate_queryset(self, queryset, request, view=None):
        self.csv_source = None
        if wants_csv(request) and view is not None:
            self.csv_source = (queryset, view)
            return []
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self.csv_source is not None:
            return self._csv_response(*self.csv_source)
        return super().get_paginated_response(data)

    def _csv_response(self, queryset, view):
        serializer_class = view.get_serializer_class()
        context = view.get_serializer_context()
        header = header_for(serializer_class(context=context))

        def rows():
            items = (
                queryset.iterator(chunk_size=CSV_CHUNK) if hasattr(queryset, "iterator") else iter(queryset)
            )
            while chunk := list(islice(items, CSV_CHUNK)):
                for item in serializer_class(chunk, many=True, context=context).data:
                    yield flatten(item)

        name = getattr(view.request.resolver_match, "url_name", None) or "export"
        return csv_response(f"{name.removesuffix('-list')}.csv", header, table_rows(header, rows()))
