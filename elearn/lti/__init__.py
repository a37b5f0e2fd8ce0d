"""LTI 1.3: this app as a tool an LMS launches (administrators register the LMS; learners and
instructors arrive from it).

- ``platforms``: registering an LMS (checked all at once), and the tool's URLs to paste into it.
- ``keys``: the tool's own RSA key pair and its public JWKS; fetching a platform's JWKS.
- ``launch``: the OIDC login initiation, and the launch's id_token verified (signature, issuer,
  audience, nonce, state, expiry, LTI claims) and turned into a signed-in account and a page.

The HTTP routes that serve them live in ``ui/lti.py``; docs/lti.md says what is built and what not.
"""

from elearn.lti.launch import Landing, LoginRedirect, begin_login, state_cookie, verify_launch
from elearn.lti.platforms import PlatformProblem, ToolUrls, register_platform, tool_urls
from elearn.lti.refusals import LaunchRefused

__all__ = ["Landing", "LaunchRefused", "LoginRedirect", "PlatformProblem", "ToolUrls", "begin_login",
           "register_platform", "state_cookie", "tool_urls", "verify_launch"]
