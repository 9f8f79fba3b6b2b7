/**
 * RVWMO (`riscv.cat`, `riscv-defs.cat`) with the instruction-fetch
 * relations of litmus-tests-riscv-ifetch (FACTS §7): fetches `I` read from
 * writes like loads do, are ordered by `ir1`, `ir3` and, under Ziccid,
 * `ir2`; the per-location coherence axiom covers explicit accesses only
 * (fetches are not coherent with data under Ziccif).
 *
 * @module
 */

import { type EventSet, type Relation, setUnion } from '../relation';
import { Derived, type Execution, type LitmusModel } from './execution';

function consistent(x: Execution): boolean {
  const d = new Derived(x);
  const { po, rf, co, addr, data, ctrl, rmw, int } = x;
  const I = d.set('IF', (e) => e.kind === 'IF');
  const R = d.set('ExpR', (e) => e.kind === 'R');
  const W = d.set('W', (e) => e.kind === 'W');
  const M = setUnion(R, W);
  const ordered = (kinds: string[]) =>
    d.set(kinds.join(), (e) => (e.kind === 'R' || e.kind === 'W') && kinds.includes(e.ordering));
  const AQ = ordered(['acquire', 'acqrel']);
  const RL = ordered(['release', 'acqrel']);
  // AMO = X: the accesses of an atomic read-modify-write.
  const AMO = d.set('AMO', (e) => isRmw(x, e));
  const all = (...rs: Relation[]) => (rs[0] as Relation).clone().unionWith(...rs.slice(1));
  const fr = d.fr;
  const poLoc = po.inter(x.loc).restrict(M, M);
  const rfExp = rf.restrict(M, M);
  const frExp = fr.restrict(M, M);

  // acyclic co | rf | fr | po-loc as Coherence (explicit accesses)
  if (!all(co, rfExp, frExp, poLoc).acyclic()) return false;
  // empty rmw & (fre; coe) as Atomic
  const ext = d.ext;
  if (!rmw.inter(fr.inter(ext).seq(co.inter(ext))).isEmpty()) return false;

  // fencerel(B) = (po & (_ * B)); po
  const fencerel = (label: string) =>
    po
      .restrict(
        undefined,
        d.set(label, (e) => e.label === label),
      )
      .seq(po);
  const fence = (pred: EventSet, succ: EventSet, label: string) =>
    fencerel(label).restrict(pred, succ);
  const sets: Record<string, EventSet> = { r: R, w: W, rw: M };
  const fences: Relation[] = [];
  for (const p of ['r', 'w', 'rw'])
    for (const s of ['r', 'w', 'rw'])
      fences.push(fence(sets[p] as EventSet, sets[s] as EventSet, `fence.${p}.${s}`));
  // fence.tso = [W]; f; [W] | [R]; f; [M]
  const tso = fencerel('fence.tso');
  fences.push(tso.restrict(W, W), tso.restrict(R, M));
  const rfi = rf.inter(int);
  // po-loc-no-w = po-loc \ (po-loc?; [W]; po-loc); rsw = rf^-1; rf
  const poLocNoW = poLoc.minus(all(poLoc, d.id(M)).seq(d.id(W)).seq(poLoc));
  const rsw = rf.inverse().seq(rf);
  const ppo = all(
    poLoc.restrict(M, W), // r1
    poLocNoW.restrict(R, R).minus(rsw), // r2
    rfi.restrict(AMO, R), // r3
    ...fences, // r4
    po.restrict(AQ, M), // r5
    po.restrict(M, RL), // r6
    po.restrict(setUnion(AQ, RL), setUnion(AQ, RL)).restrict(AMO, AMO), // r7: RCsc = AMOs with .aq/.rl
    rmw, // r8
    addr.restrict(M, M), // r9
    data.restrict(M, W), // r10
    ctrl.restrict(M, W), // r11
    all(addr, data).restrict(M, W).seq(rfi.restrict(undefined, R)), // r12
    addr.restrict(M, M).seq(po.restrict(undefined, W)), // r13
    // ir1 = [I]; (iico_data | iico_ctrl)+: a fetch precedes the effects of the instruction it fetched.
    x.sameInstance.restrict(I, M),
    // ir3 = [M & Exp]; fencerel(Fence.i); [I]
    fencerel('fence.i').restrict(M, I),
  );
  if (x.variants.has('ziccid')) {
    // ir2 = [I]; po; [I]. Fetches of code nothing writes are not materialized; through
    // them and ir1, ir2 also orders a fetch before every later instruction's effects.
    ppo.unionWith(po.restrict(I, setUnion(I, M)));
  }
  // acyclic co | rfe | fr | ppo as Model (rfe and fr include fetches)
  return all(co, rf.inter(ext), fr, ppo).acyclic();
}

function isRmw(x: Execution, e: Execution['events'][number]): boolean {
  const i = x.events.indexOf(e);
  for (let j = 0; j < x.n; j++) if (x.rmw.has(i, j) || x.rmw.has(j, i)) return true;
  return false;
}

/** RVWMO + Zifencei; the `ziccid` variant adds coherent, in-order fetch. */
export const riscvModel: LitmusModel = {
  name: 'RVWMO + ifetch (ir1, ir3; ir2 with Ziccid)',
  consistent,
};
