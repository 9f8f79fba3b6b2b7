/**
 * x86-64: TSO as herd7's `x86tso.cat`, plus instruction-fetch rules from
 * the Intel SDM (vol. 3 §10.1.3 "Handling Self- and Cross-Modifying Code",
 * §10.3 "Serializing Instructions"; FACTS §4). There is no published x86
 * ifetch model; these rules are ours:
 *
 * - `xf-rf`: a fetch reads from a write like a load does; `rfe` into a
 *   fetch and `fr` out of it join `ghb`.
 * - `xf-own`: a fetch precedes the effects of the instruction it fetched.
 * - `xf-retire`: a fetch precedes every later store: stores become visible
 *   in order at retirement, after every older instruction was fetched
 *   (SDM §10.2.2: writes are not reordered with older reads).
 * - `xf-serialize`: a serializing instruction (CPUID, SERIALIZE, IRET)
 *   orders every earlier access and fetch before every later one ("all
 *   modifications … are completed before the next instruction is fetched").
 * - `xf-smc`: a store, then a taken jump, then a fetch of the stored
 *   location: the fetch sees the store (SDM option 1 for self-modifying code).
 * - nothing else orders fetches: MFENCE/LFENCE/SFENCE and locked
 *   instructions do not serialize fetch, and two fetches of one location
 *   may see new then old code.
 *
 * @module
 */

import { type Relation, setUnion } from '../relation';
import { Derived, type Execution, type LitmusModel } from './execution';

function consistent(x: Execution): boolean {
  const d = new Derived(x);
  const { po, rf, co, rmw } = x;
  const I = d.set('IF', (e) => e.kind === 'IF');
  const R = d.set('ExpR', (e) => e.kind === 'R');
  const W = d.set('W', (e) => e.kind === 'W');
  const M = setUnion(R, W);
  const MI = setUnion(M, I);
  const all = (...rs: Relation[]) => (rs[0] as Relation).clone().unionWith(...rs.slice(1));
  const fr = d.fr;
  const ext = d.ext;
  const com = all(co, rf, fr).restrict(M, M);
  // acyclic po-loc | com (uniproc, explicit accesses)
  if (!all(po.inter(x.loc).restrict(M, M), com).acyclic()) return false;
  // empty rmw & (fre; coe)
  if (!rmw.inter(fr.inter(ext).seq(co.inter(ext))).isEmpty()) return false;
  const fencerel = (label: string) =>
    po
      .restrict(
        undefined,
        d.set(label, (e) => e.label === label),
      )
      .seq(po);
  // Locked instructions (the accesses of an rmw) act as full fences: implied = MA(poWR) | AM(poWR).
  const A = d.set('A', (e) => {
    const i = x.events.indexOf(e);
    for (let j = 0; j < x.n; j++) if (rmw.has(i, j) || rmw.has(j, i)) return true;
    return false;
  });
  const poWR = po.restrict(W, R);
  const implied = all(poWR.restrict(undefined, A), poWR.restrict(A));
  // po_ghb = WW(po) | RM(po)
  const poGhb = all(po.restrict(W, W), po.restrict(R, M));
  const mfence = fencerel('MFENCE').restrict(M, M);
  const serialize = all(fencerel('SERIALIZE'), fencerel('EXC-RET')).restrict(MI, MI);
  const ownFetch = x.sameInstance.restrict(I, M);
  const retire = po.restrict(I, W);
  const branchThenFetch = po
    .restrict(
      undefined,
      d.set('BRANCH', (e) => e.label === 'BRANCH'),
    )
    .seq(po.restrict(undefined, I));
  const smc = branchThenFetch.restrict(W).inter(x.loc);
  // ghb = mfence | implied | po_ghb | rfe | fr | co, with the fetch rules; acyclic ghb as tso
  return all(
    mfence,
    implied,
    poGhb,
    rf.inter(ext),
    fr,
    co,
    serialize,
    ownFetch,
    retire,
    smc,
  ).acyclic();
}

/** TSO (`x86tso.cat`) with the SDM's self- and cross-modifying-code rules. */
export const x86Model: LitmusModel = { name: 'x86-TSO + SDM fetch rules', consistent };
