"""Typed SQLAlchemy 2.0 mappings, one module per aggregate (SPEC §1)."""
from .ballot import CRITERIA, Ballot
from .ballot_tallies import BallotTally, BallotVoter
from .card import CardBatch, CardCheck, CardRange, PrintJob
from .complaint import CHANNELS, KINDS, Complaint, ComplaintEvent, ComplaintPause, Photo
from .complaint_counts import ComplaintDayCount, ComplaintMonthCount
from .exam import Agreement, ExamResult, Training, TrainingAttendee
from .grade import AnnualStar, CreditGrade, GradeRun, PatrolPlan, PatrolPlanItem, QuarterResult
from .merchant import (
    CreditRepair,
    MerchantAttachment,
    MerchantInvitation,
    MerchantReply,
    Objection,
    Settlement,
    SettlementMembership,
    SettlementProposal,
)
from .notice import ConsumerWarning
from .outbox import OUTBOX_STATES, OutboxMessage
from .promise import Commitment, CorrectionRequest, FundEntry, KeyDisclosure
from .patrol import (
    CHECKLIST,
    SEVERITIES,
    TRADES,
    VIOLATION_KINDS,
    BadRecord,
    IndustryGroup,
    IndustryGroupMember,
    Patrol,
    PeerFinding,
    Rectification,
    Seizure,
    SpecialAction,
    Violation,
)
from .street import OWNERSHIPS, Shop, Street
from .system import AuditEntry, CalendarDay, CalendarYear, SchedulerLock, Setting, StreetSetting
from .types import UTCDateTime, utcnow
from .user import ROLES, DisabledPeriod, InspectorGroup, SupervisorConflict, User

__all__ = [name for name in dir() if not name.startswith("_")]
