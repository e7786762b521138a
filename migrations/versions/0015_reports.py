"""monthly reports (通报, 台账) kept as generated

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('generated_at', sa.DateTime(), nullable=False),
    sa.Column('generated_by_id', sa.Integer(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('stored_name', sa.String(length=100), nullable=False),
    sa.CheckConstraint("kind IN ('circular', 'ledger')", name=op.f('ck_reports_kind')),
    sa.ForeignKeyConstraint(['generated_by_id'], ['users.id'], name=op.f('fk_reports_generated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    op.create_index('ix_reports_kind_month', 'reports', ['kind', 'month', 'generated_at'], unique=False)


def downgrade():
    op.drop_index('ix_reports_kind_month', table_name='reports')
    op.drop_table('reports')
