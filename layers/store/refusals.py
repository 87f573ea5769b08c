"""The one refusal type: what the caller sent cannot be done, said in Japanese and English.

Every layer raises ``Refused`` (or a kind of it) for the caller's mistakes and for rules a
request breaks; nothing else stands for "4xx". The API turns any of them into its one
problem+json answer (api/errors.py), Open311's routes into that standard's error list
(api/reports/open311/formats.py), and the command line prints both messages.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """``status`` is the HTTP status the refusal answers with; ``type_`` a problem type URI
    (RFC 9457) when clients should tell this kind apart; ``headers`` go on the answer
    (WWW-Authenticate, Retry-After); ``extra`` members are added to the problem document
    (the parameter at fault, allowed values, every mistake of a form)."""

    status = 422
    type = "about:blank"

    def __init__(
        self,
        message_ja: str,
        message_en: str,
        *,
        status: int | None = None,
        type_: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message_en)
        self.message_ja, self.message_en = message_ja, message_en
        if status is not None:
            self.status = status
        if type_ is not None:
            self.type = type_
        self.headers = headers
        self.extra = extra


class ParameterRefused(Refused):
    """A query parameter that cannot be honoured (OGC API and the other read APIs answer 400
    naming it: a silently ignored typo would return the wrong features)."""

    status = 400
    type = "/problems/invalid-parameter"

    def __init__(self, parameter: str, message_ja: str, message_en: str, **extra: Any) -> None:
        super().__init__(message_ja, message_en, parameter=parameter, **extra)
        self.parameter = parameter
