"""similar cases: case signatures, the LSH bucket index and the frequent-shingle vocabulary

The tables start empty; index the existing cases with hub.similar.services.index_all
(the RQ job jobs.similar.index_all).

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_signatures',
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('vocabulary_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_signatures_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_signatures'))
    )
    op.create_table('case_lsh_buckets',
    sa.Column('band', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('bucket', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('band', 'bucket', 'case_id', name=op.f('pk_case_lsh_buckets')),
    sqlite_with_rowid=False
    )
    op.create_table('similar_vocabularies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('min_cases', sa.Integer(), nullable=False),
    sa.Column('engine_version', sa.SmallInteger(), nullable=False),
    sa.Column('shingles', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_similar_vocabularies'))
    )


def downgrade():
    op.drop_table('similar_vocabularies')
    op.drop_table('case_lsh_buckets')
    op.drop_table('case_signatures')
