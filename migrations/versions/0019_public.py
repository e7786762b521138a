"""public portal: submissions, address limits, published cases, 一县一码 departments

Also: attachments sent by petitioners (no uploading user), and the 公开 (published) count
in the indicator tallies.

The indicator tallies are emptied (a new count changes what each case's stored facts
mean); the periodic process counts every case again on its next tick, as after 0016 (or
run `flask --app wsgi hub tallies check`).

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.CheckConstraint("kind IN ('submit', 'secret')", name=op.f('ck_public_attempts_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_attempts'))
    )
    with op.batch_alter_table('public_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_public_attempts_address_kind_at', ['address', 'kind', 'at'], unique=False)
        batch_op.create_index('ix_public_attempts_at', ['at'], unique=False)

    op.create_table('portal_departments',
    sa.Column('agency_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('enabled_at', sa.DateTime(), nullable=False),
    sa.Column('enabled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_portal_departments_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enabled_by_id'], ['users.id'], name=op.f('fk_portal_departments_enabled_by_id_users')),
    sa.PrimaryKeyConstraint('agency_id', name=op.f('pk_portal_departments'))
    )
    op.create_table('case_publications',
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_publications_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_case_publications_published_by_id_users')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_case_publications_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_publications'))
    )
    with op.batch_alter_table('case_publications', schema=None) as batch_op:
        batch_op.create_index('ix_case_publications_published_at', ['published', 'published_at'], unique=False)

    op.create_table('public_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('query_code', sa.String(length=32), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('allow_publication', sa.Boolean(), nullable=False),
    sa.Column('consent_version', sa.String(length=20), nullable=False),
    sa.Column('consent_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('failed_secrets', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_public_submissions_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['agencies.id'], name=op.f('fk_public_submissions_department_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_submissions')),
    sa.UniqueConstraint('case_id', name=op.f('uq_public_submissions_case_id')),
    sa.UniqueConstraint('query_code', name=op.f('uq_public_submissions_query_code'))
    )
    # A petitioner's own file, sent with a portal submission, has no uploading user.
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.alter_column('uploaded_by_id',
               existing_type=sa.INTEGER(),
               nullable=True)

    for table in ('case_tally_facts', 'case_tallies', 'case_open_dates', 'tally_checks'):
        op.execute(sa.text(f'DELETE FROM {table}'))
    with op.batch_alter_table('case_tallies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    for table in ('case_tally_facts', 'case_tallies', 'case_open_dates', 'tally_checks'):
        op.execute(sa.text(f'DELETE FROM {table}'))
    with op.batch_alter_table('case_tallies', schema=None) as batch_op:
        batch_op.drop_column('published')

    op.execute(sa.text("DELETE FROM attachments WHERE uploaded_by_id IS NULL"))
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.alter_column('uploaded_by_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    op.drop_table('public_submissions')
    with op.batch_alter_table('case_publications', schema=None) as batch_op:
        batch_op.drop_index('ix_case_publications_published_at')

    op.drop_table('case_publications')
    op.drop_table('portal_departments')
    with op.batch_alter_table('public_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_public_attempts_at')
        batch_op.drop_index('ix_public_attempts_address_kind_at')

    op.drop_table('public_attempts')
