"""rules as data: guideline and priority rules in tables, seeded with today's defaults

Revision ID: 0007_rules_as_data
Revises: 0006_unbounded_x_text
Create Date: 2026-12-03 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_rules_as_data'
down_revision = '0006_unbounded_x_text'
branch_labels = None
depends_on = None

# Today's defaults as literals, so a later change to the code's defaults does not alter
# history. sla_targets is not seeded: the HELPDESK_SLA_* settings apply until an admin
# sets a target.
GUIDELINE_SEED = [  # (kind, value, severity)
    ('banned_term', 'confidential', 'block'),
    ('banned_term', 'internal use only', 'block'),
    ('banned_term', 'do not distribute', 'block'),
    ('banned_term', 'code name', 'block'),
    ('banned_term', '社外秘', 'block'),
    ('banned_term', '内部資料', 'block'),
    ('banned_term', '機密', 'block'),
    ('banned_term', '関係者外秘', 'block'),
    ('banned_term', 'コードネーム', 'block'),
    ('link_domain', 'acme.example', None),
    ('link_domain', 'support.acme.example', None),
    ('check', 'personal_data.email', 'block'),
    ('check', 'personal_data.order_number', 'warn'),
    ('check', 'personal_data.phone', 'block'),
    ('check', 'personal_data.card', 'block'),
    ('check', 'personal_data.postal_code', 'warn'),
    ('check', 'link_domain', 'warn'),
    ('check', 'third_party_mention', 'warn'),
]
PRIORITY_SEED = [  # (kind, language, value)
    ('urgent_keyword', 'ja', '至急'),
    ('urgent_keyword', 'ja', '緊急'),
    ('urgent_keyword', 'ja', '火事'),
    ('urgent_keyword', 'ja', '発火'),
    ('urgent_keyword', 'ja', '発煙'),
    ('urgent_keyword', 'ja', '煙'),
    ('urgent_keyword', 'ja', '焦げ'),
    ('urgent_keyword', 'ja', '怪我'),
    ('urgent_keyword', 'ja', 'けが'),
    ('urgent_keyword', 'ja', 'やけど'),
    ('urgent_keyword', 'ja', '火傷'),
    ('urgent_keyword', 'ja', '感電'),
    ('urgent_keyword', 'ja', '返金'),
    ('urgent_keyword', 'ja', '訴訟'),
    ('urgent_keyword', 'ja', '訴え'),
    ('urgent_keyword', 'ja', '弁護士'),
    ('urgent_keyword', 'ja', '消費者センター'),
    ('urgent_keyword', 'en', 'urgent'),
    ('urgent_keyword', 'en', 'emergency'),
    ('urgent_keyword', 'en', 'fire'),
    ('urgent_keyword', 'en', 'smoke'),
    ('urgent_keyword', 'en', 'smoking'),
    ('urgent_keyword', 'en', 'burn'),
    ('urgent_keyword', 'en', 'burned'),
    ('urgent_keyword', 'en', 'burnt'),
    ('urgent_keyword', 'en', 'injury'),
    ('urgent_keyword', 'en', 'injured'),
    ('urgent_keyword', 'en', 'hurt'),
    ('urgent_keyword', 'en', 'refund'),
    ('urgent_keyword', 'en', 'lawsuit'),
    ('urgent_keyword', 'en', 'lawyer'),
    ('urgent_keyword', 'en', 'sue'),
    ('negative_tone', 'ja', '最悪'),
    ('negative_tone', 'ja', '最低'),
    ('negative_tone', 'ja', 'ふざけ'),
    ('negative_tone', 'ja', '許せない'),
    ('negative_tone', 'ja', 'ありえない'),
    ('negative_tone', 'ja', 'あり得ない'),
    ('negative_tone', 'ja', '激怒'),
    ('negative_tone', 'ja', 'ひどい'),
    ('negative_tone', 'ja', '酷い'),
    ('negative_tone', 'ja', '二度と'),
    ('negative_tone', 'ja', '詐欺'),
    ('negative_tone', 'ja', '金返せ'),
    ('negative_tone', 'en', 'worst'),
    ('negative_tone', 'en', 'terrible'),
    ('negative_tone', 'en', 'awful'),
    ('negative_tone', 'en', 'horrible'),
    ('negative_tone', 'en', 'unacceptable'),
    ('negative_tone', 'en', 'disgusting'),
    ('negative_tone', 'en', 'ridiculous'),
    ('negative_tone', 'en', 'furious'),
    ('negative_tone', 'en', 'angry'),
    ('negative_tone', 'en', 'scam'),
    ('negative_tone', 'en', 'never again'),
    ('negative_tone', 'en', 'fed up'),
    ('follower_threshold', 'any', '10000'),
]


def upgrade():
    op.create_table('guideline_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('banned_term', 'link_domain', 'check', name='guidelinerulekind', native_enum=False, length=16), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('severity', sa.Enum('block', 'warn', name='ruleseverity', native_enum=False, length=8), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['employees.id'], name=op.f('fk_guideline_rules_updated_by_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guideline_rules')),
    sa.UniqueConstraint('kind', 'value', name=op.f('uq_guideline_rules_kind'))
    )
    op.create_table('priority_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('urgent_keyword', 'negative_tone', 'follower_threshold', name='priorityrulekind', native_enum=False, length=24), nullable=False),
    sa.Column('language', sa.Enum('ja', 'en', 'any', name='rulelanguage', native_enum=False, length=8), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['employees.id'], name=op.f('fk_priority_rules_updated_by_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_rules')),
    sa.UniqueConstraint('kind', 'value', name=op.f('uq_priority_rules_kind'))
    )
    op.create_table('sla_targets',
    sa.Column('priority', sa.Enum('normal', 'high', name='priority', native_enum=False, length=16), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['employees.id'], name=op.f('fk_sla_targets_updated_by_id_employees')),
    sa.PrimaryKeyConstraint('priority', name=op.f('pk_sla_targets'))
    )
    _seed()


def _seed():
    """Insert the defaults; UTCDateTime columns are text on SQLite, timestamptz on PostgreSQL."""
    bind = op.get_bind()
    now = sa.func.current_timestamp()
    if bind.dialect.name == 'sqlite':
        now = sa.func.strftime('%Y-%m-%d %H:%M:%f000', 'now')
    guideline = sa.table('guideline_rules', sa.column('kind'), sa.column('value'), sa.column('severity'), sa.column('enabled'), sa.column('updated_at'))
    priority = sa.table('priority_rules', sa.column('kind'), sa.column('language'), sa.column('value'), sa.column('enabled'), sa.column('updated_at'))
    for kind, value, severity in GUIDELINE_SEED:
        op.execute(guideline.insert().values(kind=kind, value=value, severity=severity, enabled=True, updated_at=now))
    for kind, language, value in PRIORITY_SEED:
        op.execute(priority.insert().values(kind=kind, language=language, value=value, enabled=True, updated_at=now))


def downgrade():
    op.drop_table('sla_targets')
    op.drop_table('priority_rules')
    op.drop_table('guideline_rules')
