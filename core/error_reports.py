"""Error reports that name the page and the error, never what was typed.

A 500 is emailed to the operators (`ADMINS`, Django's AdminEmailHandler). Django's report lists the request's GET
and POST values, its cookies (the session cookie among them), and, in the HTML version, every local variable of
every frame: a journal entry or an issue summary typed into a form that failed would land in an operator's inbox,
and the session cookie would let its reader act as the person. Here every one of those values is replaced by
stars and only the names are kept, so the report still says which page, which fields, which error and where in
the code (the traceback's lines of code, the exception's type and message).

Set in settings as DEFAULT_EXCEPTION_REPORTER_FILTER and DEFAULT_EXCEPTION_REPORTER, so every report Django makes
(the emails, and the technical 500 page when DEBUG is on) goes through them. See docs/security.md.
"""

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# META entries that carry what a person typed or a credential: the query string (searches), the page they came
# from (its query string), and the cookie header.
CONTENT_META = ("QUERY_STRING", "HTTP_REFERER", "HTTP_COOKIE", "HTTP_AUTHORIZATION")


class ContentFreeReporterFilter(SafeExceptionReporterFilter):
    """Django's filter hides values whose names look secret; this one hides every POST value, every cookie, every
    local variable, and the META entries above, keeping their names."""

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]

    def get_safe_cookies(self, request):
        return dict.fromkeys(getattr(request, "COOKIES", {}), self.cleansed_substitute)

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        for name in CONTENT_META:
            if name in meta:
                meta[name] = self.cleansed_substitute
        return meta


class ContentFreeExceptionReporter(ExceptionReporter):
    """Django's reporter, without the request's query values, uploaded files' names or the query string in the
    URL (they bypass the filter), nor the piece of text a UnicodeError quotes."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        hidden = SafeExceptionReporterFilter.cleansed_substitute
        data["unicode_hint"] = ""
        if self.request is not None:
            data["request_GET_items"] = [(name, hidden) for name in self.request.GET]
            data["request_FILES_items"] = [(name, hidden) for name in self.request.FILES]
            data["request_insecure_uri"] = str(data.get("request_insecure_uri", "")).split("?", 1)[0]
        return data
