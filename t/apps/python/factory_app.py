"""An app made by a factory, for `-w factory_app:create_app()`, and one
under another name, for --callable."""


def create_app():
    def app(env, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"made by a factory"]
    return app


def other(env, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"the other callable"]
