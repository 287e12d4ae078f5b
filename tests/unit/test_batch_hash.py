import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from leda_pipeline.domain.batch_hash import batch_digest, request_token

ids = st.lists(st.text(min_size=1, max_size=40).filter(lambda s: "\n" not in s), min_size=1)


@given(ids)
def test_same_batch_same_identity(record_ids):
    assert batch_digest(record_ids) == batch_digest(list(record_ids))
    assert request_token(record_ids) == request_token(list(record_ids))


@given(ids)
def test_identity_formats_fit_their_uses(record_ids):
    digest, token = batch_digest(record_ids), request_token(record_ids)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert 1 <= len(token) <= 36 and int(token, 16) >= 0  # ClientRequestToken limit


@given(ids, st.text(min_size=1, max_size=10).filter(lambda s: "\n" not in s))
def test_any_change_to_the_batch_changes_its_identity(record_ids, extra):
    longer = [*record_ids, extra]
    assert batch_digest(longer) != batch_digest(record_ids)
    assert request_token(longer) != request_token(record_ids)
    if len(set(record_ids)) > 1:
        reordered = list(reversed(record_ids))
        if reordered != record_ids:
            assert batch_digest(reordered) != batch_digest(record_ids)


def test_identity_is_pinned_to_its_definition():
    # A change of definition would make every in-flight retry look like a new batch: the digest
    # is SHA-256 and the token MD5 of the record IDs joined by newlines, nothing else.
    assert batch_digest(["shard:1", "shard:2"]) == hashlib.sha256(b"shard:1\nshard:2").hexdigest()
    assert request_token(["shard:1"]) == hashlib.md5(b"shard:1").hexdigest()


def test_empty_batch_is_refused():
    with pytest.raises(ValueError, match="at least one record"):
        batch_digest([])
