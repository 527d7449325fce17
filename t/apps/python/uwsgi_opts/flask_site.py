"""A small Flask site, as a Debian user's /srv/flask_site/flask_site.py."""
from flask import Flask, request

app = Flask(__name__)


@app.route("/")
def index():
    return "flask says hello"


@app.route("/echo", methods=["POST"])
def echo():
    return "got %d bytes" % len(request.get_data())
