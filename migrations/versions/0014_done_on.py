"""the local day a clock or a meeting task was done (indicators compare it with due_on)

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

ZONE = 'Asia/Shanghai'  # the hub's BABEL_DEFAULT_TIMEZONE; UTC+8 all year


def upgrade():
    op.add_column('deadlines', sa.Column('done_on', sa.Date(), nullable=True))
    op.add_column('meeting_tasks', sa.Column('done_on', sa.Date(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        local = f"((done_at AT TIME ZONE 'UTC') AT TIME ZONE '{ZONE}')::date"
    else:
        local = "date(done_at, '+8 hours')"
    for table in ('deadlines', 'meeting_tasks'):
        op.execute(f"UPDATE {table} SET done_on = {local} WHERE done_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('meeting_tasks', schema=None) as batch_op:
        batch_op.drop_column('done_on')
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_column('done_on')
