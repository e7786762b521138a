"""indicator tallies: case counts kept summed per scope, month, county and breakdown

The tables start empty; the periodic process counts the existing cases on its first tick
(or run `flask --app wsgi hub tallies check`).

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_open_dates',
    sa.Column('scope', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('county', sa.String(length=40), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('warn_on', sa.Date(), nullable=False),
    sa.Column('n', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('scope', 'month', 'county', 'due_on', 'warn_on', name=op.f('pk_case_open_dates'))
    )
    op.create_table('case_tallies',
    sa.Column('scope', sa.Integer(), nullable=False),
    sa.Column('dim', sa.String(length=10), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('county', sa.String(length=40), nullable=False),
    sa.Column('member', sa.String(length=40), nullable=False),
    sa.Column('total', sa.Integer(), server_default='0', nullable=False),
    sa.Column('channel_letter', sa.Integer(), server_default='0', nullable=False),
    sa.Column('channel_visit', sa.Integer(), server_default='0', nullable=False),
    sa.Column('channel_online', sa.Integer(), server_default='0', nullable=False),
    sa.Column('channel_phone', sa.Integer(), server_default='0', nullable=False),
    sa.Column('channel_video', sa.Integer(), server_default='0', nullable=False),
    sa.Column('channel_wechat', sa.Integer(), server_default='0', nullable=False),
    sa.Column('channel_app', sa.Integer(), server_default='0', nullable=False),
    sa.Column('channel_county_code', sa.Integer(), server_default='0', nullable=False),
    sa.Column('skip_level', sa.Integer(), server_default='0', nullable=False),
    sa.Column('collective', sa.Integer(), server_default='0', nullable=False),
    sa.Column('repeat', sa.Integer(), server_default='0', nullable=False),
    sa.Column('joint_letter', sa.Integer(), server_default='0', nullable=False),
    sa.Column('threat', sa.Integer(), server_default='0', nullable=False),
    sa.Column('non_reception', sa.Integer(), server_default='0', nullable=False),
    sa.Column('foreign', sa.Integer(), server_default='0', nullable=False),
    sa.Column('decided', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('replied', sa.Integer(), server_default='0', nullable=False),
    sa.Column('replied_on_time', sa.Integer(), server_default='0', nullable=False),
    sa.Column('resolved', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rated', sa.Integer(), server_default='0', nullable=False),
    sa.Column('satisfied', sa.Integer(), server_default='0', nullable=False),
    sa.Column('open_threat', sa.Integer(), server_default='0', nullable=False),
    sa.Column('open_paused', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('scope', 'dim', 'month', 'county', 'member', name=op.f('pk_case_tallies'))
    )
    op.create_table('case_tally_facts',
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_tally_facts'))
    )
    op.create_table('tally_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ran_at', sa.DateTime(), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('corrected', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_checks'))
    )
    with op.batch_alter_table('tally_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tally_checks_ran_at'), ['ran_at'], unique=False)


def downgrade():
    with op.batch_alter_table('tally_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tally_checks_ran_at'))
    op.drop_table('tally_checks')
    op.drop_table('case_tally_facts')
    op.drop_table('case_tallies')
    op.drop_table('case_open_dates')
