"""case participants by agency and case (the API's keyset pages)

Revision ID: 0012
Revises: 0011
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_case_participants_agency_case', 'case_participants',
                    ['agency_id', 'case_id'], unique=False)


def downgrade():
    op.drop_index('ix_case_participants_agency_case', table_name='case_participants')
