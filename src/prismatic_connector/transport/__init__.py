"""The way to the API: a policy core that decides, and a driver that does the I/O.

    messages.py   what the core and a driver say to each other (Send, Wait, Authenticate;
                  Answer, Failure, Call)
    core.py       every rule of the send path (token refresh, redirects, retries, the
                  limiter), with no I/O
    sync.py       the driver on requests (``Transport``) and what a connection's exchange
                  hook may do with it (``ExchangeHttp``)
    attempt.py    one HTTP attempt on requests, read within the size cap and the deadline

A second driver (async) runs the same core without repeating a rule.
"""

from .messages import Answer, Call, Failure
from .sync import Exchange, ExchangeHttp, Transport

__all__ = ["Answer", "Call", "Exchange", "ExchangeHttp", "Failure", "Transport"]
