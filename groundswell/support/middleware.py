"""Help seekers' pages never learn or log where a visitor comes from."""


class ForgetVisitorMiddleware:
    PREFIX = "/help/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
