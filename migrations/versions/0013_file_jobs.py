"""file jobs (imports and exports), and the national number of imported cases

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('file_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=100), nullable=True),
    sa.Column('rows_total', sa.Integer(), nullable=True),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('job_id', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('import', 'export')", name=op.f('ck_file_jobs_kind')),
    sa.CheckConstraint("state IN ('queued', 'validating', 'invalid', 'valid', 'importing', 'running', 'done', 'cancelled', 'failed')", name=op.f('ck_file_jobs_state')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_file_jobs_agency_id_agencies')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_file_jobs_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_file_jobs'))
    )
    op.create_index('ix_file_jobs_user', 'file_jobs', ['user_id', 'kind', 'id'], unique=False)
    # A plain column and a unique index: no rebuild of the cases table on SQLite.
    op.add_column('cases', sa.Column('external_number', sa.String(length=40), nullable=True))
    op.create_index('ix_cases_external_number', 'cases', ['external_number'], unique=True)


def downgrade():
    op.drop_index('ix_cases_external_number', table_name='cases')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('external_number')
    op.drop_index('ix_file_jobs_user', table_name='file_jobs')
    op.drop_table('file_jobs')
