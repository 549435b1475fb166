"""unbounded text for what X sends: usernames, names, image URLs, lang

Revision ID: 0006_unbounded_x_text
Revises: 0005_token_management
Create Date: 2026-12-03 13:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_unbounded_x_text'
down_revision = '0005_token_management'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('x_users', schema=None) as batch_op:
        batch_op.drop_index('ix_x_users_username')
        batch_op.alter_column('username', type_=sa.Text(), existing_type=sa.String(length=50), existing_nullable=True)
        batch_op.alter_column('name', type_=sa.Text(), existing_type=sa.String(length=100), existing_nullable=True)
        batch_op.alter_column('profile_image_url', type_=sa.Text(), existing_type=sa.String(length=500), existing_nullable=True)
    with op.batch_alter_table('brand_accounts', schema=None) as batch_op:
        batch_op.alter_column('username', type_=sa.Text(), existing_type=sa.String(length=50), existing_nullable=False)
        batch_op.alter_column('name', type_=sa.Text(), existing_type=sa.String(length=100), existing_nullable=False)
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.alter_column('lang', type_=sa.Text(), existing_type=sa.String(length=16), existing_nullable=True)


def downgrade():
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.alter_column('lang', type_=sa.String(length=16), existing_type=sa.Text(), existing_nullable=True)
    with op.batch_alter_table('brand_accounts', schema=None) as batch_op:
        batch_op.alter_column('name', type_=sa.String(length=100), existing_type=sa.Text(), existing_nullable=False)
        batch_op.alter_column('username', type_=sa.String(length=50), existing_type=sa.Text(), existing_nullable=False)
    with op.batch_alter_table('x_users', schema=None) as batch_op:
        batch_op.alter_column('profile_image_url', type_=sa.String(length=500), existing_type=sa.Text(), existing_nullable=True)
        batch_op.alter_column('name', type_=sa.String(length=100), existing_type=sa.Text(), existing_nullable=True)
        batch_op.alter_column('username', type_=sa.String(length=50), existing_type=sa.Text(), existing_nullable=True)
        batch_op.create_index('ix_x_users_username', ['username'], unique=False)
