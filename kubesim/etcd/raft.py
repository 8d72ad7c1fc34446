"""Raft as a pure state machine: messages and time go in, messages and state changes come out.

This is the consensus algorithm inside etcd, written to be read next to the Raft paper
(Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm", 2014) and
etcd-io/raft (``raft.go``), whose structure and message names it follows.  Section
numbers (§5.2 …) and figures refer to the paper; "etcd" means etcd-io/raft.

There is no network, no disk and no clock in this file.  A driver (a simpy component in
:mod:`kubesim.etcd.server`, or the tiny event loop in :mod:`kubesim.etcd.loop`) does this::

    node = RaftNode("etcd-1", peers, Storage(), Config(), rng)
    node.tick(elapsed_ms)         # time passed (etcd: Node.Tick)
    node.step(message)            # a message arrived (etcd: Node.Step)
    node.propose(data)            # a client wants ``data`` in the log (etcd: Node.Propose)
    rd = node.ready()             # what to do now (etcd: Node.Ready) ...
    ...  send rd.messages, apply rd.committed_entries, answer rd.read_states ...
    node.advance(rd)              # ... done (etcd: Node.Advance)
    node.next_timeout_ms()        # when to call tick() next

Time is in milliseconds.  etcd counts time in ticks of ``--heartbeat-interval`` (100 ms)
and draws each election timeout as a whole number of ticks in [ElectionTick,
2·ElectionTick); here ``tick()`` takes the elapsed milliseconds and the timeout is drawn
uniformly from a range in milliseconds (etcd's default [1000, 2000) or the paper's
150–300 ms), so the driver can wake a node exactly when its timer expires.

What a server must keep on disk (Figure 2, "Persistent state on all servers": currentTerm,
votedFor, log[]) lives in a :class:`Storage` object that the driver keeps across crashes;
everything else (role, commitIndex's volatile copy, nextIndex/matchIndex …) is rebuilt
when a node restarts from its Storage.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional

# ----------------------------------------------------------------------------- roles
FOLLOWER = "follower"
PRE_CANDIDATE = "pre-candidate"    # thesis §9.6 (PreVote): asks before it disrupts anyone
CANDIDATE = "candidate"
LEADER = "leader"
ROLES = (FOLLOWER, PRE_CANDIDATE, CANDIDATE, LEADER)

# ----------------------------------------------------------------------------- messages
# The names of etcd's raftpb.MessageType.  The paper has two RPCs (§5): RequestVote
# (MsgVote/MsgVoteResp) and AppendEntries (MsgApp/MsgAppResp; an AppendEntries without
# entries is a heartbeat).  etcd adds a separate, cheaper heartbeat (MsgHeartbeat), the
# PreVote round, proposal forwarding and ReadIndex.
MSG_APP = "MsgApp"                        # AppendEntries
MSG_APP_RESP = "MsgAppResp"
MSG_VOTE = "MsgVote"                      # RequestVote
MSG_VOTE_RESP = "MsgVoteResp"
MSG_PRE_VOTE = "MsgPreVote"               # thesis §9.6
MSG_PRE_VOTE_RESP = "MsgPreVoteResp"
MSG_HEARTBEAT = "MsgHeartbeat"
MSG_HEARTBEAT_RESP = "MsgHeartbeatResp"
MSG_PROP = "MsgProp"                      # a proposal, forwarded by a follower to its leader
MSG_READ_INDEX = "MsgReadIndex"           # thesis §6.4: a linearizable read
MSG_READ_INDEX_RESP = "MsgReadIndexResp"

_VOTE_RESP = {MSG_VOTE: MSG_VOTE_RESP, MSG_PRE_VOTE: MSG_PRE_VOTE_RESP}

#: Answers that vouch for persisted state: a vote, or "I have these entries".  A driver
#: sends them only once the Ready's entries and term/vote are on disk; everything else
#: may leave at once, in parallel with the disk write (etcd: raft.send, msgsAfterAppend;
#: thesis §3.8: "each server persists new log entries before they are counted towards
#: the entries' commitment").
PERSIST_BEFORE_SEND = frozenset({MSG_APP_RESP, MSG_VOTE_RESP, MSG_PRE_VOTE_RESP})

#: Tolerance when comparing elapsed milliseconds with a timeout (floating point sums).
EPSILON_MS = 1e-6


@dataclass(frozen=True)
class Entry:
    """One log entry: a command and the term in which a leader received it (§5.3).

    ``data`` is None for the empty entry every new leader appends (§8; etcd
    ``becomeLeader``): committing it is how a leader learns which entries are committed.
    """

    term: int
    index: int
    data: Any = None


@dataclass(frozen=True)
class Message:
    """A Raft message (etcd's raftpb.Message, with the fields kubesim uses).

    ``index``/``log_term`` are prevLogIndex/prevLogTerm in a MsgApp, lastLogIndex/
    lastLogTerm in a MsgVote, and the follower's last matching index in a MsgAppResp.
    A rejected MsgAppResp carries etcd's fast back-up hint: ``reject_hint`` is the
    follower's guess of the last index where the logs may match and ``log_term`` its
    term there (§5.3, "the follower can include the term of the conflicting entry").
    """

    type: str
    frm: str
    to: str
    term: int = 0
    log_term: int = 0
    index: int = 0
    entries: tuple = ()
    commit: int = 0
    reject: bool = False
    reject_hint: int = 0
    context: Any = None

    def summary(self) -> str:
        """A short line for traces, e.g. ``MsgApp t3 prev 4@2 +1 commit 4``."""
        t = self.type
        if t == MSG_APP:
            return (f"{t} t{self.term} prev {self.index}@{self.log_term} +{len(self.entries)} "
                    f"commit {self.commit}")
        if t == MSG_APP_RESP:
            if self.reject:
                return f"{t} t{self.term} reject {self.index} hint {self.reject_hint}@{self.log_term}"
            return f"{t} t{self.term} match {self.index}"
        if t in (MSG_VOTE, MSG_PRE_VOTE):
            return f"{t} t{self.term} last {self.index}@{self.log_term}"
        if t in (MSG_VOTE_RESP, MSG_PRE_VOTE_RESP):
            return f"{t} t{self.term} {'rejected' if self.reject else 'granted'}"
        if t == MSG_HEARTBEAT:
            return f"{t} t{self.term} commit {self.commit}"
        if t == MSG_PROP:
            return f"{t} +{len(self.entries)}"
        return f"{t} t{self.term}"


# ----------------------------------------------------------------------------- commit rule
def majority_commit_rule(matches: list[int], term_of: Callable[[int], int],
                         current_term: int) -> int:
    """The highest index the leader may mark committed (§5.3, §5.4.2, Figure 8).

    ``matches`` holds every voter's matchIndex (the leader's own last index included).
    An index is stored on a majority when at least ``len(matches)//2 + 1`` voters have
    it: that is the quorum-th largest matchIndex.  But a majority is not enough: "Raft
    never commits log entries from previous terms by counting replicas.  Only log entries
    from the leader's current term are committed by counting replicas" (§5.4.2) — else
    Figure 8 happens: an entry stored on a majority is overwritten by a later leader.
    Returns 0 when nothing may be committed.  (etcd: ``raftLog.maybeCommit``.)
    """
    quorum = len(matches) // 2 + 1
    index = sorted(matches, reverse=True)[quorum - 1]
    if index > 0 and term_of(index) == current_term:
        return index
    return 0


# ----------------------------------------------------------------------------- config
@dataclass
class Config:
    """Timing and options of one Raft member (etcd's raft.Config, in milliseconds).

    etcd's defaults: ``--heartbeat-interval=100`` and ``--election-timeout=1000`` ms,
    the timeout randomized in [1000, 2000); PreVote and CheckQuorum are both on in etcd
    3.5+ (etcdserver/raft.go).  ``election_timeout_ms`` may be one number ``et`` (the
    range becomes [et, 2·et), as etcd does) or a range ``(lo, hi)`` (the paper's 150–300).
    """

    heartbeat_ms: float = 100.0
    election_timeout_ms: Any = 1000.0
    pre_vote: bool = True
    check_quorum: bool = True
    #: etcd's MaxSizePerMsg, counted in entries: the most entries one MsgApp carries.
    max_entries_per_msg: int = 64
    #: etcd restarts a follower's election timer whenever it moves to a new term (its
    #: ``reset``); Figure 2 restarts it only on a heartbeat from the current leader or on
    #: granting a vote.  False follows the paper (used to reproduce its Figure 16).
    reset_timer_on_new_term: bool = True
    #: How the leader decides what is committed (see :func:`majority_commit_rule`).
    commit_rule: Callable[[list, Callable[[int], int], int], int] = majority_commit_rule

    @property
    def election_range(self) -> tuple[float, float]:
        et = self.election_timeout_ms
        if isinstance(et, (int, float)):
            return float(et), 2.0 * float(et)
        lo, hi = et
        return float(lo), float(hi)

    @property
    def election_base_ms(self) -> float:
        """etcd's ``electionTimeout`` (not randomized): CheckQuorum's period, the lease."""
        return self.election_range[0]


# ----------------------------------------------------------------------------- storage
@dataclass
class Storage:
    """What a member keeps on disk (etcd's WAL): HardState (term, vote, commit) and the log.

    Figure 2: currentTerm, votedFor and log[] must be on stable storage "before responding
    to RPCs".  A driver keeps this object when its node crashes and gives it to the new
    node on restart.  ``entries[i]`` is the entry with index ``i + 1`` (no log compaction).
    """

    term: int = 0
    vote: Optional[str] = None
    commit: int = 0
    entries: list = field(default_factory=list)


class RaftLog:
    """The log and its commit index, with the checks of §5.3 (etcd: ``raftLog``)."""

    def __init__(self, storage: Storage, applied: int = 0):
        self.storage = storage
        self.committed = storage.commit
        self.applied = min(applied, self.committed)
        #: Entries were written since the last Ready: they must be fsynced.
        self.unstable = False

    @property
    def entries(self) -> list:
        return self.storage.entries

    def last_index(self) -> int:
        return len(self.storage.entries)

    def last_term(self) -> int:
        return self.storage.entries[-1].term if self.storage.entries else 0

    def term(self, index: int) -> Optional[int]:
        """The term of the entry at ``index`` (0 for index 0), None if there is none."""
        if index == 0:
            return 0
        if 1 <= index <= len(self.storage.entries):
            return self.storage.entries[index - 1].term
        return None

    def match_term(self, index: int, term: int) -> bool:
        return self.term(index) == term

    def slice(self, lo: int, hi: int) -> list:
        """Entries with index in [lo, hi)."""
        return self.storage.entries[lo - 1:hi - 1]

    def is_up_to_date(self, last_index: int, last_term: int) -> bool:
        """§5.4.1: is a log ending at (last_index, last_term) at least as up-to-date as ours?

        "If the logs have last entries with different terms, then the log with the later
        term is more up-to-date.  If the logs end with the same term, then whichever log is
        longer is more up-to-date."
        """
        return last_term > self.last_term() or (last_term == self.last_term()
                                                and last_index >= self.last_index())

    def find_conflict(self, entries) -> int:
        """The index of the first entry that is new or conflicts with ours (0: none)."""
        for e in entries:
            if not self.match_term(e.index, e.term):
                return e.index
        return 0

    def find_conflict_by_term(self, index: int, term: int) -> tuple[int, int]:
        """The largest index <= ``index`` whose term is <= ``term``, and its term.

        etcd's fast log back-up: all our entries after it have a larger term than the
        leader's entry at ``index``, so they cannot match (terms only grow along a log).
        """
        index = min(index, self.last_index())
        while index > 0 and self.term(index) > term:
            index -= 1
        return index, self.term(index) or 0

    def append(self, entries) -> int:
        """Append ``entries``, first deleting any conflicting suffix; return the last index."""
        if entries:
            first = entries[0].index
            if first <= self.committed:
                raise RaftSafetyError(f"would overwrite committed entry {first} "
                                      f"(committed {self.committed})")
            del self.storage.entries[first - 1:]
            self.storage.entries.extend(entries)
            self.unstable = True
        return self.last_index()

    def maybe_append(self, prev_index: int, prev_term: int, commit: int, entries) -> Optional[int]:
        """The AppendEntries receiver, Figure 2 steps 2–5; None when step 2 rejects.

        2. Reply false if log doesn't contain an entry at prevLogIndex whose term matches
           prevLogTerm.  3. If an existing entry conflicts with a new one (same index but
           different terms), delete the existing entry and all that follow it.  4. Append
           any new entries not already in the log.  5. If leaderCommit > commitIndex, set
           commitIndex = min(leaderCommit, index of last new entry).
        """
        if not self.match_term(prev_index, prev_term):
            return None
        last_new = prev_index + len(entries)
        conflict = self.find_conflict(entries)
        if conflict:
            self.append(list(entries[conflict - prev_index - 1:]))
        self.commit_to(min(commit, last_new))
        return last_new

    def commit_to(self, index: int) -> None:
        if index > self.committed:
            if index > self.last_index():
                raise RaftSafetyError(f"commit index {index} is beyond the last index "
                                      f"{self.last_index()}")
            self.committed = index
            self.storage.commit = index


class RaftSafetyError(AssertionError):
    """A Raft invariant was about to be broken (etcd panics in the same places)."""


# ----------------------------------------------------------------------------- leader's view
@dataclass
class Progress:
    """What the leader knows of one follower (Figure 2: nextIndex[], matchIndex[]).

    etcd's flow control in two states: *probe* (we do not know where the follower's log
    matches ours: send one MsgApp, then wait for its answer or the next heartbeat) and
    *replicate* (it matches: stream new entries as they come).
    """

    match: int = 0
    next: int = 1
    probing: bool = True
    paused: bool = False
    recent_active: bool = False
    #: The last commit index sent to this follower (etcd: sentCommit).
    sent_commit: int = 0

    def maybe_update(self, index: int) -> bool:
        """A successful MsgAppResp up to ``index``: matchIndex and nextIndex move forward."""
        updated = index > self.match
        if updated:
            self.match = index
            self.paused = False
        self.next = max(self.next, index + 1)
        return updated

    def maybe_decr_to(self, rejected: int, hint: int) -> bool:
        """A rejected MsgApp at ``rejected``: move nextIndex back (§5.3), unless stale."""
        if not self.probing:
            if rejected <= self.match:
                return False            # stale rejection of an append we know matched
            self.next = self.match + 1
            self.sent_commit = min(self.sent_commit, self.next - 1)
            return True
        if self.next - 1 != rejected:
            return False                # not the probe we are waiting for
        self.next = max(min(rejected, hint + 1), self.match + 1)
        self.sent_commit = min(self.sent_commit, self.next - 1)
        self.paused = False
        return True

    def become_probe(self) -> None:
        self.probing, self.paused, self.next = True, False, self.match + 1

    def become_replicate(self) -> None:
        self.probing, self.paused, self.next = False, False, self.match + 1

    def can_bump_commit(self, committed: int) -> bool:
        """Could sending ``committed`` move this follower's commit index forward?"""
        return committed > self.sent_commit and self.sent_commit < self.next - 1


@dataclass(frozen=True)
class ReadState:
    """A linearizable read may be served once the state machine has applied ``index``."""

    index: int
    ctx: Any


@dataclass
class Ready:
    """What the driver must do after a step or tick (etcd's raft.Ready).

    In order: send the ``messages`` that need nothing on disk; if ``must_sync``, make the
    new entries and term/vote durable (fsync); then send the answers in
    :data:`PERSIST_BEFORE_SEND`; apply ``committed_entries`` to the state machine; serve
    reads whose ``read_states`` index has been applied; then call :meth:`RaftNode.advance`.
    """

    messages: list
    committed_entries: list
    read_states: list
    must_sync: bool


# ----------------------------------------------------------------------------- the node
class RaftNode:
    """One Raft member as a state machine (see the module docstring for how to drive it)."""

    def __init__(self, id: str, peers, storage: Optional[Storage] = None,
                 config: Optional[Config] = None, rng: Optional[random.Random] = None,
                 applied: int = 0):
        self.id = id
        self.peers = tuple(sorted(set(peers) | {id}))       # every voter, this one included
        self.storage = storage if storage is not None else Storage()
        self.config = config or Config()
        self.rng = rng or random.Random(0)
        self.log = RaftLog(self.storage, applied)
        self.quorum = len(self.peers) // 2 + 1
        self.role = FOLLOWER
        self.lead: Optional[str] = None
        self.election_elapsed = 0.0
        self.heartbeat_elapsed = 0.0
        self.randomized_election_timeout = 0.0
        self.progress: dict[str, Progress] = {}
        self.votes: dict[str, bool] = {}
        self.msgs: list[Message] = []
        self.read_states: list[ReadState] = []
        self._reads: dict[Any, dict] = {}                 # ReadIndex requests awaiting acks
        self._pending_reads: list[Message] = []           # ... awaiting a commit in this term
        self._dirty = False                               # term/vote/entries changed: fsync
        self._become_follower(self.term, None)            # etcd newRaft: restart as follower
        self._dirty = False

    # ------------------------------------------------------------------ persistent state
    @property
    def term(self) -> int:
        """currentTerm (Figure 2): persisted."""
        return self.storage.term

    @term.setter
    def term(self, value: int) -> None:
        if value != self.storage.term:
            self.storage.term = value
            self._dirty = True

    @property
    def vote(self) -> Optional[str]:
        """votedFor (Figure 2): persisted."""
        return self.storage.vote

    @vote.setter
    def vote(self, value: Optional[str]) -> None:
        if value != self.storage.vote:
            self.storage.vote = value
            self._dirty = True

    @property
    def commit_index(self) -> int:
        return self.log.committed

    @property
    def applied_index(self) -> int:
        return self.log.applied

    @property
    def last_index(self) -> int:
        return self.log.last_index()

    # ------------------------------------------------------------------ the driver's API
    def tick(self, elapsed_ms: float) -> None:
        """``elapsed_ms`` of time passed: maybe start an election or send heartbeats."""
        if self.role == LEADER:
            self._tick_heartbeat(elapsed_ms)
        else:
            self._tick_election(elapsed_ms)

    def next_timeout_ms(self) -> float:
        """Milliseconds until :meth:`tick` would do something (fire a timer)."""
        if self.role == LEADER:
            return max(0.0, min(self.config.heartbeat_ms - self.heartbeat_elapsed,
                                self.config.election_base_ms - self.election_elapsed))
        return max(0.0, self.randomized_election_timeout - self.election_elapsed)

    def campaign(self) -> None:
        """Start an election now (etcd: MsgHup), as if the election timer had expired."""
        self._hup()

    def assume_leadership(self) -> None:
        """Bootstrap only: become the leader of the current term without an election.

        Allowed only when this node's Storage says it voted for itself in this term and
        the driver has written the same vote into a majority's Storage — exactly the state
        a won election leaves behind.  kubesim uses it to start a Cluster whose etcd
        already has a leader, as if its first election had just finished.
        """
        if self.vote != self.id or self.term == 0:
            raise RaftSafetyError("assume_leadership needs a term in which this node voted for itself")
        if self.role != LEADER:
            self.role = CANDIDATE
            self._become_leader()
            self._bcast_append()

    def propose(self, data: Any) -> bool:
        """Ask for ``data`` to be appended to the log; False when it was dropped.

        A leader appends it; a follower forwards it to its leader; without a leader the
        proposal is dropped (etcd: ErrProposalDropped) and the caller may retry.
        """
        return self._step_local(Message(MSG_PROP, self.id, self.id, entries=(Entry(0, 0, data),)))

    def read_index(self, ctx: Any) -> bool:
        """Ask for a linearizable read (thesis §6.4, ReadIndex); False when dropped.

        The answer comes later as a :class:`ReadState` in :meth:`ready`: the read is
        linearizable once the local state machine has applied ``ReadState.index``.
        """
        return self._step_local(Message(MSG_READ_INDEX, self.id, self.id,
                                        entries=(Entry(0, 0, ctx),)))

    def has_ready(self) -> bool:
        return bool(self.msgs or self.read_states or self._dirty or self.log.unstable
                    or self.log.committed > self.log.applied)

    def ready(self) -> Ready:
        """Collect what the driver must do now (see :class:`Ready`).

        Call it again only after :meth:`advance`: until then the same committed entries
        would be handed out twice.
        """
        rd = Ready(messages=self.msgs, read_states=self.read_states,
                   must_sync=self._dirty or self.log.unstable,
                   committed_entries=self.log.slice(self.log.applied + 1, self.log.committed + 1))
        self.msgs, self.read_states = [], []
        self._dirty = self.log.unstable = False
        return rd

    def advance(self, rd: Ready) -> None:
        """The driver has handled ``rd``: its committed entries are applied."""
        if rd.committed_entries:
            self.log.applied = max(self.log.applied, rd.committed_entries[-1].index)

    # ------------------------------------------------------------------ timers
    def _tick_election(self, ms: float) -> None:
        """Followers and candidates (§5.2): "If election timeout elapses without receiving
        AppendEntries RPC from current leader or granting vote to candidate: convert to
        candidate"."""
        self.election_elapsed += ms
        if self.election_elapsed >= self.randomized_election_timeout - EPSILON_MS:
            self.election_elapsed = 0.0
            self._hup()

    def _tick_heartbeat(self, ms: float) -> None:
        """Leaders send heartbeats "during idle periods to prevent election timeouts" (§5.2),
        and with CheckQuorum step down after an election timeout without hearing from a
        majority (thesis §6.2)."""
        self.heartbeat_elapsed += ms
        self.election_elapsed += ms
        if self.election_elapsed >= self.config.election_base_ms - EPSILON_MS:
            self.election_elapsed = 0.0
            if self.config.check_quorum:
                self._check_quorum()
                if self.role != LEADER:
                    return
        if self.heartbeat_elapsed >= self.config.heartbeat_ms - EPSILON_MS:
            self.heartbeat_elapsed = 0.0
            self._bcast_heartbeat()

    def _reset_randomized_election_timeout(self) -> None:
        # §5.2: "election timeouts are chosen randomly from a fixed interval (e.g.,
        # 150–300ms)"; etcd: electionTimeout + rand(electionTimeout), i.e. [et, 2·et).
        lo, hi = self.config.election_range
        self.randomized_election_timeout = lo if hi <= lo else self.rng.uniform(lo, hi)

    # ------------------------------------------------------------------ role changes
    def _reset(self, term: int) -> None:
        if self.term != term:
            self.term = term
            self.vote = None
        self.lead = None
        self.election_elapsed = 0.0
        self.heartbeat_elapsed = 0.0
        self._reset_randomized_election_timeout()
        self.votes = {}
        last = self.log.last_index()
        self.progress = {p: Progress(match=last if p == self.id else 0, next=last + 1)
                         for p in self.peers}
        self._reads = {}
        self._pending_reads = []

    def _become_follower(self, term: int, lead: Optional[str]) -> None:
        self._reset(term)
        self.lead = lead
        self.role = FOLLOWER

    def _become_pre_candidate(self) -> None:
        # PreVote does not change the term or the vote: a partitioned node that keeps
        # timing out cannot inflate its term and disrupt the cluster when it comes back.
        self.votes = {}
        self.lead = None
        self.role = PRE_CANDIDATE

    def _become_candidate(self) -> None:
        # §5.2 "On conversion to candidate: increment currentTerm, vote for self, reset
        # election timer, send RequestVote RPCs to all other servers".
        self._reset(self.term + 1)
        self.vote = self.id
        self.role = CANDIDATE

    def _become_leader(self) -> None:
        self._reset(self.term)
        self.lead = self.id
        self.role = LEADER
        me = self.progress[self.id]                      # _reset set match = last index
        me.become_replicate()
        me.recent_active = True
        # §8: "each leader commit a blank no-op entry into the log at the start of its
        # term" — entries of earlier terms become committed when this one is (Figure 8).
        self._append_entries([None])

    def _hup(self) -> None:
        if self.role == LEADER:
            return
        self._campaign(pre_vote=self.config.pre_vote)

    def _campaign(self, pre_vote: bool) -> None:
        if pre_vote:
            self._become_pre_candidate()
            kind, term = MSG_PRE_VOTE, self.term + 1      # asks for the term it would use
        else:
            self._become_candidate()
            kind, term = MSG_VOTE, self.term
        if self._poll(self.id, True) == "won":            # a one-member cluster wins alone
            self._won(pre_vote)
            return
        for peer in self.peers:
            if peer != self.id:
                self._send(Message(kind, self.id, peer, term=term, index=self.log.last_index(),
                                   log_term=self.log.last_term()))

    def _poll(self, voter: str, granted: bool) -> str:
        """Record a vote; "won", "lost" or "pending" (etcd: quorum.VoteResult)."""
        self.votes.setdefault(voter, granted)
        yes = sum(1 for v in self.votes.values() if v)
        no = len(self.votes) - yes
        if yes >= self.quorum:
            return "won"
        if len(self.peers) - no < self.quorum:
            return "lost"
        return "pending"

    def _won(self, pre_vote: bool) -> None:
        if pre_vote:
            self._campaign(pre_vote=False)                # now the real election
        else:
            self._become_leader()
            self._bcast_append()                          # announce: the first heartbeat

    # ------------------------------------------------------------------ sending
    def _send(self, m: Message) -> None:
        # Every message carries the sender's term (§5.1), except proposals and read
        # requests, which are local requests forwarded to the leader (etcd: raft.send), and
        # votes, whose term is set by the caller.
        if m.type not in (MSG_VOTE, MSG_VOTE_RESP, MSG_PRE_VOTE, MSG_PRE_VOTE_RESP,
                          MSG_PROP, MSG_READ_INDEX):
            m = replace(m, term=self.term)
        self.msgs.append(m)

    def _send_append(self, to: str, send_if_empty: bool = True) -> bool:
        """Leaders (Figure 2): "If last log index >= nextIndex for a follower: send
        AppendEntries RPC with log entries starting at nextIndex"."""
        pr = self.progress[to]
        if pr.paused:
            return False
        prev = pr.next - 1
        entries = self.log.slice(pr.next, pr.next + self.config.max_entries_per_msg)
        if not entries and not send_if_empty:
            return False
        self._send(Message(MSG_APP, self.id, to, index=prev, log_term=self.log.term(prev),
                           entries=tuple(entries), commit=self.log.committed))
        pr.sent_commit = self.log.committed
        if pr.probing:
            pr.paused = True                  # one probe at a time, until it is answered
        elif entries:
            pr.next = entries[-1].index + 1   # optimistic: stream the next ones
        return True

    def _bcast_append(self) -> None:
        for peer in self.peers:
            if peer != self.id:
                self._send_append(peer)

    def _bcast_heartbeat(self, ctx: Any = None) -> None:
        if ctx is None and self._reads:
            ctx = next(reversed(self._reads))             # the newest pending read
        for peer in self.peers:
            if peer != self.id:
                pr = self.progress[peer]
                # etcd: commit = min(match, committed): never tell a follower to commit an
                # index its log may not hold (yet).
                commit = min(pr.match, self.log.committed)
                self._send(Message(MSG_HEARTBEAT, self.id, peer, commit=commit, context=ctx))
                pr.sent_commit = max(pr.sent_commit, commit)

    def _append_entries(self, datas) -> None:
        """Leaders (Figure 2): "If command received from client: append entry to local log"."""
        last = self.log.last_index()
        entries = [Entry(self.term, last + 1 + i, d) for i, d in enumerate(datas)]
        self.log.append(entries)
        self.progress[self.id].maybe_update(self.log.last_index())
        self._maybe_commit()

    def _maybe_commit(self) -> bool:
        """Leaders: advance commitIndex using the commit rule (Figure 2, last rule)."""
        matches = [self.progress[p].match for p in self.peers]
        index = self.config.commit_rule(matches, lambda i: self.log.term(i) or 0, self.term)
        if index > self.log.committed:
            self.log.commit_to(index)
            return True
        return False

    # ------------------------------------------------------------------ receiving
    def _step_local(self, m: Message) -> bool:
        return self.step(m) is not False

    def step(self, m: Message) -> Optional[bool]:
        """Handle one message; returns False when a proposal or read was dropped."""
        # ---- the term of the message (§5.1): "If RPC request or response contains term
        # T > currentTerm: set currentTerm = T, convert to follower".
        if m.term == 0:
            pass                                          # a local or forwarded request
        elif m.term > self.term:
            if m.type in (MSG_VOTE, MSG_PRE_VOTE):
                # CheckQuorum's lease (thesis §4.2.3): a server that heard from a current
                # leader within the minimum election timeout ignores vote requests, so a
                # rejoining, stale server cannot depose a healthy leader.
                in_lease = (self.config.check_quorum and self.lead is not None
                            and self.election_elapsed < self.config.election_base_ms)
                if in_lease:
                    return None
            if m.type == MSG_PRE_VOTE:
                pass                                      # a pre-vote never changes our term
            elif m.type == MSG_PRE_VOTE_RESP and not m.reject:
                pass                                      # our own future term, granted
            else:
                lead = m.frm if m.type in (MSG_APP, MSG_HEARTBEAT) else None
                timer = (self.election_elapsed, self.randomized_election_timeout)
                self._become_follower(m.term, lead)
                if lead is None and not self.config.reset_timer_on_new_term:
                    self.election_elapsed, self.randomized_election_timeout = timer
        elif m.term < self.term:
            if (self.config.check_quorum or self.config.pre_vote) and \
                    m.type in (MSG_HEARTBEAT, MSG_APP):
                # A stale leader: answer so that it learns our term and steps down (etcd).
                self._send(Message(MSG_APP_RESP, self.id, m.frm))
            elif m.type == MSG_PRE_VOTE:
                self._send(Message(MSG_PRE_VOTE_RESP, self.id, m.frm, term=self.term, reject=True))
            return None                                   # "Reply false if term < currentTerm"

        if m.type in (MSG_VOTE, MSG_PRE_VOTE):
            return self._handle_vote_request(m)
        if self.role == LEADER:
            return self._step_leader(m)
        if self.role in (CANDIDATE, PRE_CANDIDATE):
            return self._step_candidate(m)
        return self._step_follower(m)

    def _handle_vote_request(self, m: Message) -> None:
        """RequestVote receiver (Figure 2): "If votedFor is null or candidateId, and
        candidate's log is at least as up-to-date as receiver's log, grant vote"."""
        can_vote = (self.vote == m.frm
                    or (self.vote is None and self.lead is None)
                    or (m.type == MSG_PRE_VOTE and m.term > self.term))
        if can_vote and self.log.is_up_to_date(m.index, m.log_term):
            self._send(Message(_VOTE_RESP[m.type], self.id, m.frm, term=m.term))
            if m.type == MSG_VOTE:
                self.election_elapsed = 0.0               # granting a vote resets the timer
                self.vote = m.frm                         # persisted before the answer leaves
        else:
            self._send(Message(_VOTE_RESP[m.type], self.id, m.frm, term=self.term, reject=True))

    # ---- followers
    def _step_follower(self, m: Message) -> Optional[bool]:
        if m.type == MSG_PROP:
            if self.lead is None:
                return False                              # etcd: ErrProposalDropped
            self._send(replace(m, frm=self.id, to=self.lead))
        elif m.type == MSG_APP:
            self.election_elapsed = 0.0
            self.lead = m.frm
            self._handle_append(m)
        elif m.type == MSG_HEARTBEAT:
            self.election_elapsed = 0.0
            self.lead = m.frm
            self._handle_heartbeat(m)
        elif m.type == MSG_READ_INDEX:
            if self.lead is None:
                return False
            self._send(replace(m, frm=self.id, to=self.lead))
        elif m.type == MSG_READ_INDEX_RESP:
            self.read_states.append(ReadState(m.index, m.context))
        return None

    def _handle_append(self, m: Message) -> None:
        """AppendEntries receiver (Figure 2) with etcd's rejection hint (§5.3, end)."""
        if m.index < self.log.committed:
            # Already committed here: tell the leader where we are.
            self._send(Message(MSG_APP_RESP, self.id, m.frm, index=self.log.committed))
            return
        last_new = self.log.maybe_append(m.index, m.log_term, m.commit, m.entries)
        if last_new is not None:
            self._send(Message(MSG_APP_RESP, self.id, m.frm, index=last_new))
            return
        # Reject, with a hint: the largest index <= m.index whose term is <= the leader's
        # prevLogTerm.  Every entry of ours after it has a larger term, so cannot match.
        hint_index, hint_term = self.log.find_conflict_by_term(
            min(m.index, self.log.last_index()), m.log_term)
        self._send(Message(MSG_APP_RESP, self.id, m.frm, index=m.index, reject=True,
                           reject_hint=hint_index, log_term=hint_term))

    def _handle_heartbeat(self, m: Message) -> None:
        self.log.commit_to(m.commit)
        self._send(Message(MSG_HEARTBEAT_RESP, self.id, m.frm, context=m.context))

    # ---- candidates
    def _step_candidate(self, m: Message) -> Optional[bool]:
        mine = MSG_PRE_VOTE_RESP if self.role == PRE_CANDIDATE else MSG_VOTE_RESP
        if m.type == MSG_PROP:
            return False                                  # no leader: dropped
        if m.type == MSG_READ_INDEX:
            return False
        if m.type in (MSG_APP, MSG_HEARTBEAT):
            # §5.2: "If AppendEntries RPC received from new leader: convert to follower".
            self._become_follower(m.term, m.frm)
            if m.type == MSG_APP:
                self._handle_append(m)
            else:
                self._handle_heartbeat(m)
        elif m.type == mine:
            result = self._poll(m.frm, not m.reject)
            if result == "won":
                self._won(self.role == PRE_CANDIDATE)
            elif result == "lost":
                self._become_follower(self.term, None)
        return None

    # ---- leaders
    def _check_quorum(self) -> None:
        active = sum(1 for p in self.peers if p == self.id or self.progress[p].recent_active)
        if active < self.quorum:
            self._become_follower(self.term, None)        # "stepped down: quorum is not active"
            return
        for p in self.peers:
            if p != self.id:
                self.progress[p].recent_active = False

    def _step_leader(self, m: Message) -> Optional[bool]:
        if m.type == MSG_PROP:
            self._append_entries([e.data for e in m.entries])
            self._bcast_append()
            return None
        if m.type == MSG_READ_INDEX:
            self._leader_read_index(m)
            return None
        pr = self.progress.get(m.frm)
        if pr is None:
            return None
        if m.type == MSG_APP_RESP:
            pr.recent_active = True
            if m.reject:
                hint = m.reject_hint
                if m.log_term > 0:
                    hint, _ = self.log.find_conflict_by_term(m.reject_hint, m.log_term)
                if pr.maybe_decr_to(m.index, hint):
                    if not pr.probing:
                        pr.become_probe()
                    self._send_append(m.frm)
                return None
            if pr.maybe_update(m.index) or (pr.match == m.index and pr.probing):
                if pr.probing:
                    pr.become_replicate()
                if self._maybe_commit():
                    self._release_pending_reads()
                    self._bcast_append()                  # tell everyone the new commit index
                elif pr.can_bump_commit(self.log.committed):
                    self._send_append(m.frm)              # it may not know the commit index yet
                while self._send_append(m.frm, send_if_empty=False):
                    pass                                  # stream whatever it still misses
        elif m.type == MSG_HEARTBEAT_RESP:
            pr.recent_active = True
            pr.paused = False
            if pr.match < self.log.last_index() or pr.probing:
                self._send_append(m.frm)
            if m.context is not None and m.context in self._reads:
                self._reads[m.context]["acks"].add(m.frm)
                if len(self._reads[m.context]["acks"]) >= self.quorum:
                    self._release_reads_up_to(m.context)
        return None

    # ---- linearizable reads (thesis §6.4, etcd ReadOnlySafe)
    def _committed_in_current_term(self) -> bool:
        return self.log.term(self.log.committed) == self.term

    def _leader_read_index(self, m: Message) -> None:
        ctx = m.entries[0].data
        if len(self.peers) == 1:
            self._answer_read(m, self.log.committed)
            return
        if not self._committed_in_current_term():
            # A new leader does not know the commit index until its own empty entry is
            # committed (§8): postpone the read until then.
            self._pending_reads.append(m)
            return
        # Remember the commit index now, then check with a round of heartbeats that we
        # are still the leader: a majority acknowledging proves no newer leader exists.
        self._reads[ctx] = {"index": self.log.committed, "req": m, "acks": {self.id}}
        self._bcast_heartbeat(ctx)

    def _release_pending_reads(self) -> None:
        if self._pending_reads and self._committed_in_current_term():
            pending, self._pending_reads = self._pending_reads, []
            for m in pending:
                self._leader_read_index(m)

    def _release_reads_up_to(self, ctx: Any) -> None:
        # A quorum acknowledged the heartbeat for ``ctx``: that proves leadership for every
        # read queued before it as well.
        for key in list(self._reads):
            read = self._reads.pop(key)
            self._answer_read(read["req"], read["index"])
            if key == ctx:
                break

    def _answer_read(self, req: Message, index: int) -> None:
        ctx = req.entries[0].data
        if req.frm == self.id:
            self.read_states.append(ReadState(index, ctx))
        else:
            self._send(Message(MSG_READ_INDEX_RESP, self.id, req.frm, index=index, context=ctx))

    # ------------------------------------------------------------------ introspection
    def status(self) -> dict:
        """A dict a learner can read (what ``etcdctl endpoint status`` shows, and more)."""
        return {"name": self.id, "role": self.role, "term": self.term, "vote": self.vote,
                "leader": self.lead, "commit_index": self.log.committed,
                "applied_index": self.log.applied, "log_length": self.log.last_index(),
                "last_log_term": self.log.last_term()}

    def __repr__(self) -> str:
        return (f"<RaftNode {self.id} {self.role} term={self.term} lead={self.lead} "
                f"last={self.log.last_index()} commit={self.log.committed}>")
