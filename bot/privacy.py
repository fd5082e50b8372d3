"""Personal numbers are masked before a conversation is stored or logged (RGPD).

Pure standard library on purpose: the engine's tracker store (engine/, Python 3.10) imports
this module too. Postal codes, years and short numbers ("19 ans") are left alone.
"""

from __future__ import annotations

import logging
import re

MASK = "[donnée personnelle masquée]"

# Each pattern starts only where a run of its characters starts (the look-behinds): a 100,000-character
# word is scanned once, not once per position, so the time stays linear in the text.
_SEPARATOR = r"\s*(?:\.|\(dot\)|\[dot\]|\bpoint\b|\bdot\b)\s*"
_PATTERNS = (
    re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),                                     # e-mail
    re.compile(r"(?<![\w.+-])[\w.+-]+\s*(?:\(at\)|\[at\]|\bat\b|\barobase\b)\s*[\w-]+(?:" + _SEPARATOR + r"[\w-]+)+",
               re.I),                                                                          # « prenom at domaine point fr »
    re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[0-9A-Z]{4}){3,7}(?:[ ]?[0-9A-Z]{1,3})?\b", re.I),      # IBAN
    re.compile(r"\b[12][ .]?\d{2}[ .]?\d{2}[ .]?(?:\d{2}|2A|2B)[ .]?\d{3}[ .]?\d{3}(?:[ .]?\d{2})?\b", re.I),  # NIR
    re.compile(r"(?<![\d.-])(?:\d[ .-]?){13,19}\b"),                                               # bank card
    re.compile(r"(?:(?:\+|00)33[ .]?(?:\(0\)[ .]?)?|\b0)[1-9](?:[ .-]?\d{2}){4}\b"),              # phone
)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    return text


def contains_personal_number(text: str) -> bool:
    """True for a raw personal number, and for one the NLU has already masked."""
    return MASK in text or redact(text) != text


def redact_logs() -> None:
    """Every log record of this process is masked when it is made, whatever the logger, the
    handler or the level: its message, its arguments and its traceback (an error in the engine
    or an action can quote the citizen's text). Installed once per process."""
    make = logging.getLogRecordFactory()
    if getattr(make, "redacts", False):
        return

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            record.msg, record.args = redact(record.getMessage()), ()
        except (TypeError, ValueError):  # a malformed log call: keep what it said, masked
            record.msg, record.args = redact(str(record.msg)), ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    masked_record.redacts = True
    logging.setLogRecordFactory(masked_record)
