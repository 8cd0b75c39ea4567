from probe_app import make_app

APP = app = make_app("cms")
