"""The emulator's HTTP front: the one part of it that speaks HTTP as a server.

``server``   the listeners and their socket server: reads each request, writes each answer
``routes``   the route table (method, path pattern -> handler), and the emulator-only routes
``api``      ``POST /api``: fault rules, the access token, the GraphQL request, the journal
``tokens``   the token routes, one exchange for ``/auth/refresh`` and ``/oauth/token``
``messages`` what a route is handed and hands back, and what a fault answers instead

Routes call the ``Emulator``, which answers plain values (records, bytes, None) or
raises a model error; every HTTP status is decided here. The fault rules themselves
(``emulator.rules``, the start-up ``faults`` among them) say what goes wrong; here
they become answers, and every request an entry of the journal (``emulator.journal``).
"""
