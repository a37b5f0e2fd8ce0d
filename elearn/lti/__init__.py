"""LTI 1.3: this app as a tool an LMS launches (administrators register the LMS; learners and
instructors arrive from it).

- ``platforms``: registering an LMS (checked all at once), and the tool's URLs to paste into it.
- ``keys``: the tool's own RSA key pair and its public JWKS; fetching a platform's JWKS.
- ``launch``: the OIDC login initiation, and the launch's id_token verified (signature, issuer,
  audience, nonce, state, expiry, LTI claims) and turned into a signed-in account and a page.
- ``deep_linking``: an instructor's pick, answered with a signed ``LtiDeepLinkingResponse``.
- ``advantage``: what a launch's AGS and NRPS claims leave behind (line items, roster addresses).
- ``services``: the OAuth 2 access token (a JWT assertion signed by the tool's key) and the calls.
- ``grades``: the scores a learner's line items are owed, queued once, and the sender with backoff.
- ``roster``: an LMS course's membership synced into its team.

The HTTP routes that serve them live in ``ui/lti.py`` and ``ui/lti_picker.py``; docs/lms.md says
what is built and what not.
"""

from elearn.lti.launch import Landing, LoginRedirect, begin_login, state_cookie, verify_launch
from elearn.lti.platforms import PlatformProblem, ToolUrls, register_platform, tool_urls
from elearn.lti.refusals import LaunchRefused

__all__ = ["Landing", "LaunchRefused", "LoginRedirect", "PlatformProblem", "ToolUrls", "begin_login",
           "register_platform", "state_cookie", "tool_urls", "verify_launch"]
