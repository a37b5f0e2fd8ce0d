"""Certificates (learners, managers, anyone verifying one): what a learner has earned under the
pass rule (``award``), the PDF (``pdf``), and what ``/verify`` says about a code (``verify``).

The store keeps them (``elearn.store.certificates``); pages award on view and offer downloads.
"""
