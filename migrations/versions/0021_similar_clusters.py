"""similar-case clusters: the clustering runs, the clusters found (with their dismissal or
proposal) and their member cases

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('similar_cluster_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('clusters', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_similar_cluster_runs_status')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_similar_cluster_runs_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_similar_cluster_runs'))
    )
    with op.batch_alter_table('similar_cluster_runs', schema=None) as batch_op:
        batch_op.create_index('ix_similar_cluster_runs_period', ['since', 'until', 'id'], unique=False)

    op.create_table('similar_clusters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('cohesion', sa.Float(), nullable=False),
    sa.Column('counties', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('top_words', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('dismissed_reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'dismissed', 'proposed')", name=op.f('ck_similar_clusters_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_similar_clusters_decided_by_id_users')),
    sa.ForeignKeyConstraint(['run_id'], ['similar_cluster_runs.id'], name=op.f('fk_similar_clusters_run_id_similar_cluster_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_similar_clusters'))
    )
    with op.batch_alter_table('similar_clusters', schema=None) as batch_op:
        batch_op.create_index('ix_similar_clusters_run', ['run_id', 'position'], unique=False)

    op.create_table('similar_cluster_cases',
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_similar_cluster_cases_case_id_cases')),
    sa.ForeignKeyConstraint(['cluster_id'], ['similar_clusters.id'], name=op.f('fk_similar_cluster_cases_cluster_id_similar_clusters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cluster_id', 'case_id', name=op.f('pk_similar_cluster_cases'))
    )
    with op.batch_alter_table('similar_cluster_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_similar_cluster_cases_case_id'), ['case_id'], unique=False)



def downgrade():
    with op.batch_alter_table('similar_cluster_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_similar_cluster_cases_case_id'))

    op.drop_table('similar_cluster_cases')
    with op.batch_alter_table('similar_clusters', schema=None) as batch_op:
        batch_op.drop_index('ix_similar_clusters_run')

    op.drop_table('similar_clusters')
    with op.batch_alter_table('similar_cluster_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_similar_cluster_runs_period')

    op.drop_table('similar_cluster_runs')
