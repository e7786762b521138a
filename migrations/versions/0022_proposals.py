"""政策完善建议 (policy proposals): proposals with their cases, measures and effect
checks, and the agenda items that discuss them

Revision ID: 0022
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('policy_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('suggestion', sa.Text(), nullable=False),
    sa.Column('addressee_id', sa.Integer(), nullable=False),
    sa.Column('addressee_name', sa.String(length=100), nullable=False),
    sa.Column('counties', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=True),
    sa.Column('answer_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('answer_deadline_id', sa.Integer(), nullable=True),
    sa.Column('measures_deadline_id', sa.Integer(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answer_note', sa.Text(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'sent', 'accepted', 'rejected', 'closed', 'withdrawn')", name=op.f('ck_policy_proposals_status')),
    sa.ForeignKeyConstraint(['addressee_id'], ['agencies.id'], name=op.f('fk_policy_proposals_addressee_id_agencies')),
    sa.ForeignKeyConstraint(['answer_deadline_id'], ['deadlines.id'], name=op.f('fk_policy_proposals_answer_deadline_id_deadlines')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_policy_proposals_answered_by_id_users')),
    sa.ForeignKeyConstraint(['cluster_id'], ['similar_clusters.id'], name=op.f('fk_policy_proposals_cluster_id_similar_clusters')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_policy_proposals_created_by_id_users')),
    sa.ForeignKeyConstraint(['measures_deadline_id'], ['deadlines.id'], name=op.f('fk_policy_proposals_measures_deadline_id_deadlines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_proposals'))
    )
    with op.batch_alter_table('policy_proposals', schema=None) as batch_op:
        batch_op.create_index('ix_policy_proposals_addressee', ['addressee_id', 'status'], unique=False)
        batch_op.create_index('ix_policy_proposals_status', ['status', 'id'], unique=False)

    op.create_table('policy_effect_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('measure_on', sa.Date(), nullable=False),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.Column('after_days', sa.Integer(), nullable=False),
    sa.Column('before_count', sa.Integer(), nullable=False),
    sa.Column('after_count', sa.Integer(), nullable=False),
    sa.Column('conclusion', sa.Text(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_policy_effect_checks_checked_by_id_users')),
    sa.ForeignKeyConstraint(['proposal_id'], ['policy_proposals.id'], name=op.f('fk_policy_effect_checks_proposal_id_policy_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_effect_checks'))
    )
    with op.batch_alter_table('policy_effect_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_effect_checks_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('policy_measures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('adopted_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['policy_proposals.id'], name=op.f('fk_policy_measures_proposal_id_policy_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_policy_measures_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_measures'))
    )
    with op.batch_alter_table('policy_measures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_measures_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('policy_proposal_cases',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_policy_proposal_cases_case_id_cases')),
    sa.ForeignKeyConstraint(['proposal_id'], ['policy_proposals.id'], name=op.f('fk_policy_proposal_cases_proposal_id_policy_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'case_id', name=op.f('pk_policy_proposal_cases'))
    )
    with op.batch_alter_table('policy_proposal_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_proposal_cases_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('meeting_agenda_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposal_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_meeting_agenda_items_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_meeting_agenda_items_proposal_id_policy_proposals'), 'policy_proposals', ['proposal_id'], ['id'])



def downgrade():
    with op.batch_alter_table('meeting_agenda_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meeting_agenda_items_proposal_id_policy_proposals'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_meeting_agenda_items_proposal_id'))
        batch_op.drop_column('proposal_id')

    with op.batch_alter_table('policy_proposal_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_proposal_cases_case_id'))

    op.drop_table('policy_proposal_cases')
    with op.batch_alter_table('policy_measures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_measures_proposal_id'))

    op.drop_table('policy_measures')
    with op.batch_alter_table('policy_effect_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_effect_checks_proposal_id'))

    op.drop_table('policy_effect_checks')
    with op.batch_alter_table('policy_proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_policy_proposals_status')
        batch_op.drop_index('ix_policy_proposals_addressee')

    op.drop_table('policy_proposals')
