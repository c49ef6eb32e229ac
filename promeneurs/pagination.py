"""The one pagination of the portal's lists: a helper for the views, `includes/pagination.html` for the templates."""

from django.core.paginator import Paginator

PAGE_SIZE = 20


def paginate(request, queryset, param="page", per_page=PAGE_SIZE, count=None):
    """One page of `queryset` and its links; the links keep the other GET parameters (filters).

    `count`: the number of rows of `queryset`, when the view has it already (no COUNT query)."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # replaces the cached property's query
    page_obj = paginator.get_page(request.GET.get(param))

    def url(number):
        query = request.GET.copy()
        query[param] = number
        return "?" + query.urlencode()

    links = []
    for number in paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1):
        if number == paginator.ELLIPSIS:
            links.append({"ellipsis": True})
        else:
            links.append({"number": number, "url": url(number), "current": number == page_obj.number})
    return {
        "page_obj": page_obj,
        "paginator": paginator,
        "links": links if paginator.num_pages > 1 else [],
        "previous_url": url(page_obj.previous_page_number()) if page_obj.has_previous() else "",
        "next_url": url(page_obj.next_page_number()) if page_obj.has_next() else "",
    }
