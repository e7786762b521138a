"""grassroots: 三·三制 disputes and their attempts and escalations, the monthly screening
(三张清单) with its items and key persons, collection points and work teams with their
requests, and the source a case came from

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('point', 'team')", name=op.f('ck_intake_sources_kind')),
    sa.ForeignKeyConstraint(['county_id'], ['agencies.id'], name=op.f('fk_intake_sources_county_id_agencies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_intake_sources_created_by_id_users')),
    sa.ForeignKeyConstraint(['township_id'], ['agencies.id'], name=op.f('fk_intake_sources_township_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_sources'))
    )
    with op.batch_alter_table('intake_sources', schema=None) as batch_op:
        batch_op.create_index('ix_intake_sources_county', ['county_id'], unique=False)
        batch_op.create_index('ix_intake_sources_township', ['township_id'], unique=False)

    op.create_table('screening_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('deadline_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted')", name=op.f('ck_screening_reports_status')),
    sa.ForeignKeyConstraint(['county_id'], ['agencies.id'], name=op.f('fk_screening_reports_county_id_agencies')),
    sa.ForeignKeyConstraint(['deadline_id'], ['deadlines.id'], name=op.f('fk_screening_reports_deadline_id_deadlines')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_screening_reports_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_reports')),
    sa.UniqueConstraint('county_id', 'month', name='uq_screening_reports_county_month')
    )
    with op.batch_alter_table('screening_reports', schema=None) as batch_op:
        batch_op.create_index('ix_screening_reports_month', ['month', 'status'], unique=False)

    op.create_table('disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('parties', sa.Text(), nullable=False),
    sa.Column('group_name', sa.String(length=100), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('resolved_level', sa.String(length=20), nullable=True),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("level IN ('group', 'village', 'township')", name=op.f('ck_disputes_level')),
    sa.CheckConstraint("status IN ('open', 'resolved', 'case')", name=op.f('ck_disputes_status')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_disputes_case_id_cases')),
    sa.ForeignKeyConstraint(['county_id'], ['agencies.id'], name=op.f('fk_disputes_county_id_agencies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_disputes_created_by_id_users')),
    sa.ForeignKeyConstraint(['township_id'], ['agencies.id'], name=op.f('fk_disputes_township_id_agencies')),
    sa.ForeignKeyConstraint(['village_id'], ['agencies.id'], name=op.f('fk_disputes_village_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes'))
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index('ix_disputes_case', ['case_id'], unique=True)
        batch_op.create_index('ix_disputes_county_status', ['county_id', 'status'], unique=False)
        batch_op.create_index('ix_disputes_township_status', ['township_id', 'status'], unique=False)
        batch_op.create_index('ix_disputes_village', ['village_id'], unique=False)

    op.create_table('screening_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('risk', sa.String(length=10), nullable=False),
    sa.Column('responsible_unit', sa.String(length=100), nullable=False),
    sa.Column('responsible_person', sa.String(length=50), nullable=False),
    sa.Column('task', sa.Text(), nullable=False),
    sa.Column('task_due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("risk IN ('high', 'medium', 'low')", name=op.f('ck_screening_items_risk')),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_screening_items_status')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_screening_items_closed_by_id_users')),
    sa.ForeignKeyConstraint(['county_id'], ['agencies.id'], name=op.f('fk_screening_items_county_id_agencies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_screening_items_created_by_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['screening_reports.id'], name=op.f('fk_screening_items_report_id_screening_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_items'))
    )
    with op.batch_alter_table('screening_items', schema=None) as batch_op:
        batch_op.create_index('ix_screening_items_county_status', ['county_id', 'status'], unique=False)
        batch_op.create_index('ix_screening_items_report', ['report_id'], unique=False)

    op.create_table('screening_key_persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_screening_key_persons_status')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_screening_key_persons_closed_by_id_users')),
    sa.ForeignKeyConstraint(['county_id'], ['agencies.id'], name=op.f('fk_screening_key_persons_county_id_agencies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_screening_key_persons_created_by_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['screening_reports.id'], name=op.f('fk_screening_key_persons_report_id_screening_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_key_persons'))
    )
    with op.batch_alter_table('screening_key_persons', schema=None) as batch_op:
        batch_op.create_index('ix_screening_key_persons_county_status', ['county_id', 'status'], unique=False)

    op.create_table('source_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('requester', sa.String(length=50), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('handled_on', sa.Date(), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'done', 'case')", name=op.f('ck_source_requests_status')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_source_requests_case_id_cases')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_source_requests_handled_by_id_users')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_source_requests_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['source_id'], ['intake_sources.id'], name=op.f('fk_source_requests_source_id_intake_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_requests'))
    )
    with op.batch_alter_table('source_requests', schema=None) as batch_op:
        batch_op.create_index('ix_source_requests_source_status', ['source_id', 'status'], unique=False)

    op.create_table('case_sources',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_sources_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['source_requests.id'], name=op.f('fk_case_sources_request_id_source_requests')),
    sa.ForeignKeyConstraint(['source_id'], ['intake_sources.id'], name=op.f('fk_case_sources_source_id_intake_sources')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_sources'))
    )
    with op.batch_alter_table('case_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_sources_source_id'), ['source_id'], unique=False)

    op.create_table('dispute_escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('from_level', sa.String(length=20), nullable=False),
    sa.Column('to_level', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('exception', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('escalated_by_id', sa.Integer(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_dispute_escalations_approved_by_id_users')),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_dispute_escalations_dispute_id_disputes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['escalated_by_id'], ['users.id'], name=op.f('fk_dispute_escalations_escalated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_escalations'))
    )
    with op.batch_alter_table('dispute_escalations', schema=None) as batch_op:
        batch_op.create_index('ix_dispute_escalations_dispute', ['dispute_id'], unique=False)

    op.create_table('mediation_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('mediators', sa.Text(), nullable=False),
    sa.Column('parties_present', sa.Text(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("level IN ('group', 'village', 'township')", name=op.f('ck_mediation_attempts_level')),
    sa.CheckConstraint("result IN ('resolved', 'unresolved')", name=op.f('ck_mediation_attempts_result')),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_mediation_attempts_dispute_id_disputes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_mediation_attempts_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_attempts'))
    )
    with op.batch_alter_table('mediation_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_mediation_attempts_dispute', ['dispute_id', 'level'], unique=False)



def downgrade():
    with op.batch_alter_table('mediation_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_mediation_attempts_dispute')

    op.drop_table('mediation_attempts')
    with op.batch_alter_table('dispute_escalations', schema=None) as batch_op:
        batch_op.drop_index('ix_dispute_escalations_dispute')

    op.drop_table('dispute_escalations')
    with op.batch_alter_table('case_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_sources_source_id'))

    op.drop_table('case_sources')
    with op.batch_alter_table('source_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_source_requests_source_status')

    op.drop_table('source_requests')
    with op.batch_alter_table('screening_key_persons', schema=None) as batch_op:
        batch_op.drop_index('ix_screening_key_persons_county_status')

    op.drop_table('screening_key_persons')
    with op.batch_alter_table('screening_items', schema=None) as batch_op:
        batch_op.drop_index('ix_screening_items_report')
        batch_op.drop_index('ix_screening_items_county_status')

    op.drop_table('screening_items')
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index('ix_disputes_village')
        batch_op.drop_index('ix_disputes_township_status')
        batch_op.drop_index('ix_disputes_county_status')
        batch_op.drop_index('ix_disputes_case')

    op.drop_table('disputes')
    with op.batch_alter_table('screening_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_screening_reports_month')

    op.drop_table('screening_reports')
    with op.batch_alter_table('intake_sources', schema=None) as batch_op:
        batch_op.drop_index('ix_intake_sources_township')
        batch_op.drop_index('ix_intake_sources_county')

    op.drop_table('intake_sources')
