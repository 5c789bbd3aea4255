import json

import pytest

from fleettui.kube import errors


def status(code, reason, message="m", **details):
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": code,
        "reason": reason,
        "message": message,
    }
    if details:
        body["details"] = details
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    "code,reason,cls",
    [
        (400, "BadRequest", errors.BadRequest),
        (401, "Unauthorized", errors.Unauthorized),
        (403, "Forbidden", errors.Forbidden),
        (404, "NotFound", errors.NotFound),
        (409, "AlreadyExists", errors.AlreadyExists),
        (409, "Conflict", errors.Conflict),
        (410, "Expired", errors.Gone),
        (422, "Invalid", errors.Invalid),
        (429, "TooManyRequests", errors.TooManyRequests),
        (500, "InternalError", errors.ServerError),
        (503, "ServiceUnavailable", errors.ServerError),
        (504, "Timeout", errors.ServerError),
        (418, "Teapot", errors.KubeError),
    ],
)
def test_status_mapping(code, reason, cls):
    err = errors.from_response("c1", code, status(code, reason, "boom"))
    assert type(err) is cls
    assert (err.cluster, err.status, err.reason, err.message) == ("c1", code, reason, "boom")
    assert str(err) == f"c1: boom ({code} {reason})"


def test_invalid_carries_causes():
    body = status(
        422,
        "Invalid",
        'Deployment.apps "x" is invalid',
        name="x",
        kind="Deployment",
        causes=[
            {"field": "spec.replicas", "reason": "FieldValueInvalid", "message": "must be >= 0"}
        ],
    )
    err = errors.from_response("c", 422, body)
    assert isinstance(err, errors.Invalid)
    assert err.causes[0]["field"] == "spec.replicas"


def test_non_status_bodies():
    err = errors.from_response("c", 502, b"<html>Bad Gateway</html>\nmore")
    assert isinstance(err, errors.ServerError) and err.message == "<html>Bad Gateway</html>"
    err = errors.from_response("c", 503, b"")
    assert isinstance(err, errors.ServerError) and err.message == "service unavailable"
    err = errors.from_response("c", 404, b"404 page not found")
    assert isinstance(err, errors.NotFound) and "404 page not found" in str(err)


def test_retry_after_and_retryable():
    err = errors.from_response("c", 429, status(429, "TooManyRequests"), retry_after=2.0)
    assert err.retry_after == 2.0 and err.retryable
    assert errors.Unreachable("x").retryable and errors.ServerError("x").retryable
    assert not errors.Conflict("x").retryable


def test_status_code_in_body_wins():
    # A watch ERROR event carries its code in the Status object only.
    err = errors.from_status(
        "c", 200, {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"}
    )
    assert isinstance(err, errors.Gone)


def test_hierarchy():
    assert issubclass(errors.UnknownResource, errors.NotFound)
    for cls in (
        errors.NotFound,
        errors.AlreadyExists,
        errors.Conflict,
        errors.Invalid,
        errors.BadRequest,
        errors.Forbidden,
        errors.Unauthorized,
        errors.Gone,
        errors.ServerError,
        errors.Unreachable,
        errors.ReadOnlyViolation,
        errors.ConfigurationError,
        errors.TooManyRequests,
    ):
        assert issubclass(cls, errors.KubeError)
