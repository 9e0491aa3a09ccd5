"""The roles of Clearance, each a Django group created by a data migration.

PRODUCT.md, "People and roles": reviewers register vendors and fill questionnaires, leads do
the same and sign off, procurement reads and downloads reports. Superusers are the
administrators: they pass every role check and own the Django admin.
"""

from enum import StrEnum


class Role(StrEnum):
    REVIEWER = "Security reviewers"
    LEAD = "Security leads"
    PROCUREMENT = "Procurement"

    @property
    def label(self) -> str:
        """The singular name shown beside a user's name."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.REVIEWER: "Security reviewer",
    Role.LEAD: "Security lead",
    Role.PROCUREMENT: "Procurement",
}

# Who may do what, named once so that a view declares its rule in one line.
READ = frozenset({Role.REVIEWER, Role.LEAD, Role.PROCUREMENT})
EDIT = frozenset({Role.REVIEWER, Role.LEAD})
SIGN_OFF = frozenset({Role.LEAD})
