"""The three ways a sealed bid can fail. Messages are in Chinese and say what failed, because
they are shown to bidders and opening staff as they are."""

from __future__ import annotations


class BidError(Exception):
    """Base class of every error the bid tool raises on purpose."""


class BidFormatError(BidError):
    """The input is not a sealed bid (or package) of a supported version, or a field is malformed."""


class BidIntegrityError(BidError):
    """The input is well formed but does not match what was sealed: a segment fails authentication,
    a digest or the signature does not match, or the envelope was truncated or spliced."""


class BidKeyError(BidError):
    """A key is unusable or is not the key this bid was sealed or signed with."""
