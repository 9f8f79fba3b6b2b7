/**
 * The AArch64 model: herd7's `aarch64.cat` with `-variant ifetch,fatal`,
 * hand-coded relation by relation. Each definition cites the `.cat` text
 * it implements; the parts for features litmus tests here cannot express
 * (MTE tags, translation table walks, TLBI, ETS, "pick" dependencies,
 * SVE/SME) are empty and left out. `CacheType=IDC` / `DIC` set the
 * variants of the same names.
 *
 * @module
 */

import { instrText, parseCodeAddress } from '../litmusValue';
import { type EventSet, Relation, setComplement, setUnion } from '../relation';
import { Derived, type ExecEvent, type Execution, type LitmusModel } from './execution';

/**
 * A DMB/DSB option's barrier class (`aarch64fences.cat`: `dmb.full = DMB.NSH |
 * DMB.ISH | DMB.OSH | DMB.SY`, likewise `.ld` and `.st`). Barrier events are
 * named as herd names them, `DMB.ISH`, `DSB.ST`, so the deprecation flags see the option.
 */
export const BARRIER_CLASS: Readonly<Record<string, 'SY' | 'LD' | 'ST'>> = {
  SY: 'SY',
  ISH: 'SY',
  OSH: 'SY',
  NSH: 'SY',
  LD: 'LD',
  ISHLD: 'LD',
  OSHLD: 'LD',
  NSHLD: 'LD',
  ST: 'ST',
  ISHST: 'ST',
  OSHST: 'ST',
  NSHST: 'ST',
};

/** `DMB.ISH` → `['DMB', 'ISH']`, or `undefined` for another event label. */
function barrier(label: string): [string, string] | undefined {
  const [kind, option] = label.split('.');
  return (kind === 'DMB' || kind === 'DSB') &&
    option !== undefined &&
    Object.hasOwn(BARRIER_CLASS, option)
    ? [kind, option]
    : undefined;
}

/** The event sets `aarch64.cat` names, for one execution. */
function eventSets(d: Derived) {
  const n = d.x.n;
  const IF = d.set('IF', (e) => e.kind === 'IF');
  const ExpR = d.set('ExpR', (e) => e.kind === 'R');
  const W = d.set('W', (e) => e.kind === 'W');
  const fence = (name: string) => {
    const [kind, cls] = name.split('.');
    return d.set(name, (e) => {
      const b = e.kind === 'F' ? barrier(e.label) : undefined;
      return b !== undefined && b[0] === kind && BARRIER_CLASS[b[1]] === cls;
    });
  };
  return {
    n,
    IF,
    notIF: setComplement(n, IF),
    ExpR,
    W,
    // Initial writes count as explicit writes (`aarch64.cat` pairs `IW` with `Exp & W` in DC-after).
    ExpM: setUnion(ExpR, W),
    M: setUnion(setUnion(ExpR, W), IF),
    IW: d.set('IW', (e) => e.thread < 0),
    A: d.set('A', (e) => e.kind === 'R' && (e.ordering === 'acquire' || e.ordering === 'acqrel')),
    Q: d.set('Q', (e) => e.kind === 'R' && e.ordering === 'acquirePc'),
    L: d.set('L', (e) => e.kind === 'W' && (e.ordering === 'release' || e.ordering === 'acqrel')),
    dmbFull: fence('DMB.SY'),
    dmbLd: fence('DMB.LD'),
    dmbSt: fence('DMB.ST'),
    dsbFull: fence('DSB.SY'),
    dsbLd: fence('DSB.LD'),
    dsbSt: fence('DSB.ST'),
    // IFB = ISB | EXC-ENTRY | EXC-RET (aarch64hwreqs.cat, without FEAT_ExS).
    IFB: d.set(
      'IFB',
      (e) =>
        e.kind === 'F' && (e.label === 'ISB' || e.label === 'EXC-ENTRY' || e.label === 'EXC-RET'),
    ),
    DC: d.set('DC', (e) => e.kind === 'C' && e.label === 'DC.CVAU'),
    IC: d.set('IC', (e) => e.kind === 'C' && e.label.startsWith('IC.')),
    ICall: d.set(
      'ICall',
      (e) => e.kind === 'C' && (e.label === 'IC.IALLU' || e.label === 'IC.IALLUIS'),
    ),
  };
}

/**
 * True when `x` has a consistent completion (an orientation of DC-after and
 * IC-after) whose `ob` satisfies `accept` (by default any does).
 */
function hasConsistentCompletion(
  x: Execution,
  accept: (ob: Relation, d: Derived) => boolean = () => true,
): boolean {
  const d = new Derived(x);
  const s = eventSets(d);
  const { po, rf, co, addr, data, ctrl, rmw, int } = x;
  const id = (set: EventSet) => d.id(set);
  const ca = d.ca;
  const ext = d.ext;
  const all = (...rs: Relation[]) => (rs[0] as Relation).clone().unionWith(...rs.slice(1));
  const ExpW = s.W;
  const validPA = setUnion(setUnion(s.M, s.DC), s.IC);
  // same-loc = [E-valid-PA]; loc; [E-valid-PA]
  const sameLoc = x.loc.restrict(validPA, validPA);
  // scl = loc | (M | DC.CVAU | IC) * (IC.IALLU | IC.IALLUIS) | its inverse
  const scl = all(
    sameLoc,
    Relation.from(s.n, (i, j) => has(s.ICall, j) || has(s.ICall, i)).restrict(validPA, validPA),
  );
  const poLoc = po.inter(sameLoc);
  const rfi = rf.inter(int);

  // Internal visibility requirements.
  // irreflexive [Exp & R]; ((po & same-loc) | rmw); [Exp & W]; rfi; [Exp & R] as coRW1-Exp
  if (!all(poLoc, rmw).restrict(s.ExpR, ExpW).seq(rfi.restrict(undefined, s.ExpR)).irreflexive())
    return false;
  // irreflexive [Exp & W]; (po & same-loc); [Exp & W]; (ca & int); [Exp & W] as coWW-Exp
  const caInt = ca.inter(int);
  if (!poLoc.restrict(ExpW, ExpW).seq(caInt.restrict(undefined, ExpW)).irreflexive()) return false;
  // irreflexive [Exp & W]; (po & same-loc); [Exp & R]; (ca & int); [Exp & W] as coWR-Exp
  if (!poLoc.restrict(ExpW, s.ExpR).seq(caInt.restrict(undefined, ExpW)).irreflexive())
    return false;
  // empty rmw & (fre; coe) as atomic (the single-instruction swaps litmus tests use)
  if (!rmw.inter(d.fr.inter(ext).seq(co.inter(ext))).isEmpty()) return false;

  // DSB-ob = [M | DC.CVAU | IC]; po; [dsb.full]; po; [~(Imp & Instr & R)]
  //        | [Exp & R]; po; [dsb.ld]; po; [~…] | [Exp & W]; po; [dsb.st]; po; [~…]
  const poThrough = (from: EventSet, fence: EventSet, to?: EventSet) =>
    po.restrict(from, fence).seq(po.restrict(undefined, to));
  const dsbOb = all(
    poThrough(setUnion(setUnion(s.M, s.DC), s.IC), s.dsbFull, s.notIF),
    poThrough(s.ExpR, s.dsbLd, s.notIF),
    poThrough(ExpW, s.dsbSt, s.notIF),
  );
  // IFB-ob = [Exp & R]; ctrl; [IFB]; po | [Exp & R]; addr; [Exp & M]; po; [IFB]; po | DSB-ob; [IFB]; po
  const toIfbThenPo = (r: Relation) => r.restrict(undefined, s.IFB).seq(po);
  const ifbOb = all(
    toIfbThenPo(ctrl.restrict(s.ExpR)),
    toIfbThenPo(addr.restrict(s.ExpR, s.ExpM).seq(po)),
    toIfbThenPo(dsbOb),
  );
  // lmrs = [W]; ((po & same-loc) & ~intervening(W, po & same-loc)); [R]
  const poLocW = poLoc.restrict(undefined, s.W);
  const lmrs = poLoc.restrict(s.W, setUnion(s.ExpR, s.IF)).minus(poLocW.seq(poLoc));
  // dob = addr | data | ctrl; [Exp & W | DC.CVAU | IC] | addr; [Exp & M]; po; [Exp & W]
  //     | addr; [Exp & M]; lmrs; [Exp & R] | data; [Exp & M]; lmrs; [Exp & R]
  const dob = all(
    addr,
    data,
    ctrl.restrict(undefined, setUnion(setUnion(ExpW, s.DC), s.IC)),
    addr.restrict(undefined, s.ExpM).seq(po.restrict(undefined, ExpW)),
    all(addr, data).restrict(undefined, s.ExpM).seq(lmrs.restrict(undefined, s.ExpR)),
  );
  // f-ob = [Imp & Instr & R]; po; [~(Imp & Instr & R)]
  const fOb = po.restrict(s.IF, s.notIF);
  // po-scl-ob = [Exp & M]; (po & scl); [DC.CVAU] | [DC.CVAU]; (po & scl); [Exp & M] | [DC]; (po & scl); [DC]
  const poScl = po.inter(scl);
  const poSclOb = all(
    poScl.restrict(s.ExpM, s.DC),
    poScl.restrict(s.DC, s.ExpM),
    poScl.restrict(s.DC, s.DC),
  );
  // lmws = [Exp & M]; (po & same-loc); [Exp & W]
  const lmws = poLoc.restrict(s.ExpM, ExpW);
  // bob (aarch64hwreqs.cat), the clauses without tags or MMU faults.
  const bob = all(
    poThrough(s.ExpM, s.dmbFull, s.ExpM),
    poThrough(s.ExpM, s.dmbFull, s.DC),
    poThrough(s.DC, s.dmbFull, s.ExpM),
    poThrough(s.DC, s.dmbFull, s.DC),
    poThrough(s.ExpR, s.dmbLd, s.ExpM),
    poThrough(ExpW, s.dmbSt, ExpW),
    po.restrict(s.L, s.A),
    po.restrict(setUnion(s.A, s.Q), s.ExpM),
    po.restrict(s.ExpM, s.L),
  );
  // aob = [Exp & M]; rmw; [Exp & M] | [Exp & M]; rmw; lmrs; [(Exp & R & A) | (Exp & R & Q)]
  const aob = all(rmw, rmw.seq(lmrs.restrict(undefined, setUnion(s.A, s.Q))));
  // lob = (intr-ob | f-ob | po-scl-ob | DSB-ob | IFB-ob | lmws | dob | aob | bob)+; local-hw-reqs = lob+
  const lob = all(fOb, poSclOb, dsbOb, ifbOb, lmws, dob, aob, bob).closure();

  // Exp-haz-ob = [Exp & R]; (po & same-loc); [Exp & R]; (ca & ext); [Exp & W]
  const expHazOb = poLoc.restrict(s.ExpR, s.ExpR).seq(ca.inter(ext).restrict(undefined, ExpW));
  // Exp-obs = [Exp & M]; rf & ext; [Exp & M] | [Exp & M]; ca & ext; [Exp & M]
  const expObs = all(rf.inter(ext), ca.inter(ext)).restrict(s.ExpM, s.ExpM);
  const idc = x.variants.has('IDC') || x.variants.has('DIC');
  const dic = x.variants.has('DIC');
  const ifPoIf = po.restrict(s.IF, s.IF);
  const fixed = all(
    lob,
    expHazOb,
    expObs,
    // Instr-obs ⊇ rf; [Imp & Instr & R]
    rf.restrict(undefined, s.IF),
    // IC-ob ⊇ [Imp & Instr & R]; po; [Imp & Instr & R]; (ca if DIC)
    ...(dic ? [ifPoIf.seq(ca)] : []),
    // IC-ca (DIC && IDC) = [Imp & Instr & R]; ca; [W]
    ...(dic ? [ca.restrict(s.IF, s.W)] : []),
  );
  if (!fixed.closure().irreflexive()) return false;

  // DC-after and IC-after: enumerations of orientations (enumerations.cat) of
  // scl & (DC.CVAU * (Exp & W)), fixed by local-hw-reqs | (IW * (_ \ IW)), and of
  // scl & (C_IC * (Imp & Instr & R)), fixed by local-hw-reqs, where C_IC = IC & domain(po; [dsb.full]).
  const poDsb = po.restrict(undefined, s.dsbFull);
  const cIc = new Set<number>();
  for (let i = 0; i < s.n; i++)
    if (
      has(s.IC, i) &&
      poDsb.bits.slice(i * poDsb.words, (i + 1) * poDsb.words).some((w) => w !== 0)
    )
      cIc.add(i);
  const pairs: [number, number, 'DC' | 'IC'][] = [];
  const forcedDc = new Relation(s.n);
  const forcedIc = new Relation(s.n);
  for (let i = 0; i < s.n; i++) {
    for (let j = 0; j < s.n; j++) {
      if (!scl.has(i, j)) continue;
      if (has(s.DC, i) && has(ExpW, j)) {
        if (lob.has(i, j)) forcedDc.add(i, j);
        else if (lob.has(j, i) || has(s.IW, j)) forcedDc.add(j, i);
        else pairs.push([i, j, 'DC']);
      } else if (cIc.has(i) && has(s.IF, j)) {
        if (lob.has(i, j)) forcedIc.add(i, j);
        else if (lob.has(j, i)) forcedIc.add(j, i);
        else pairs.push([i, j, 'IC']);
      }
    }
  }
  const icToDsb = id(s.IC).seq(dsbOb);
  const icToIfb = id(s.IC).seq(ifbOb);
  const acyclicWith = (dcAfter: Relation, icAfter: Relation): Relation | undefined => {
    // Instr-read-ordered-before = IC-after; [IC]; DSB-ob | IC-after; [IC]; IFB-ob (| ca if DIC, above)
    const instrReadOb = all(icAfter.seq(icToDsb), icAfter.seq(icToIfb));
    // IC-ob = [Imp & Instr & R]; po; [Imp & Instr & R]; Instr-read-ordered-before
    const icOb = ifPoIf.seq(instrReadOb);
    // IC-ca without DIC: [IC]; IC-after; [Imp & Instr & R]; ca; [W] (; DC-after; [DC.CVAU] unless IDC)
    const icCa = dic
      ? new Relation(s.n)
      : id(s.IC)
          .seq(icAfter.restrict(undefined, s.IF))
          .seq(ca.restrict(undefined, s.W))
          .seq(idc ? id(s.W) : dcAfter.restrict(undefined, s.DC));
    // Instr-obs ⊇ IC-after | [DC.CVAU]; DC-after; [W] | [W]; DC-after; [DC.CVAU] | IC-ca
    const ob = all(
      fixed,
      icOb,
      icAfter,
      dcAfter.restrict(s.DC, s.W),
      dcAfter.restrict(s.W, s.DC),
      icCa,
    );
    // irreflexive ob as external
    const closed = ob.closure();
    return closed.irreflexive() ? closed : undefined;
  };
  // Every relation above grows with the pairs oriented so far, so a cycle with some pairs
  // oriented rules out every completion: search the orientations depth first and prune.
  const search = (k: number, dcAfter: Relation, icAfter: Relation): boolean => {
    const ob = acyclicWith(dcAfter, icAfter);
    if (!ob) return false;
    if (k === pairs.length) return accept(ob, d);
    const [i, j, kind] = pairs[k] as [number, number, 'DC' | 'IC'];
    for (const [a, b] of [
      [i, j],
      [j, i],
    ] as const) {
      const dc = kind === 'DC' ? dcAfter.clone().add(a, b) : dcAfter;
      const ic = kind === 'IC' ? icAfter.clone().add(a, b) : icAfter;
      if (search(k + 1, dc, ic)) return true;
    }
    return false;
  };
  return search(0, forcedDc, forcedIc);
}

function has(set: EventSet, i: number): boolean {
  return ((set[i >>> 5] as number) & (1 << (i & 31))) !== 0;
}

/**
 * Arm ARM B2.2.5: the instructions that may be concurrently modified and
 * executed (both the old and the new one must be on it).
 */
const CMODX_LIST = new Set(['B', 'BL', 'BRK', 'HVC', 'ISB', 'NOP', 'SMC', 'SVC']);

/** herd's `Restricted-CMODX`: a fetch or write of anything but an instruction on the list. */
function restricted(e: ExecEvent): boolean {
  const text = e.value === undefined ? undefined : instrText(e.value);
  const mnemonic = text?.trim().split(/\s+/)[0]?.toUpperCase();
  return mnemonic === undefined || !CMODX_LIST.has(mnemonic);
}

/**
 * `aarch64.cat`: `flag ~empty CMODX-unordered-conflicts as violates-CMODX-requirements`,
 * where a conflict is a fetch and a write of one location, one of them
 * `Restricted-CMODX` (`Within-CMODX-List` under `-variant ifetch`), that
 * `ob` orders neither way.
 */
function cmodxViolated(ob: Relation, d: Derived): boolean {
  const { events, n, loc } = d.x;
  for (let i = 0; i < n; i++) {
    const f = events[i] as ExecEvent;
    if (f.kind !== 'IF') continue;
    for (let j = 0; j < n; j++) {
      const w = events[j] as ExecEvent;
      if (w.kind !== 'W' || !loc.has(i, j) || (!restricted(f) && !restricted(w))) continue;
      if (!ob.has(i, j) && !ob.has(j, i)) return true;
    }
  }
  return false;
}

/**
 * `aarch64util.cat`: `flag ~empty (((W \ IW) & Instr) * ((W \ IW) & Instr) \ loc)
 * as Assuming-no-two-modified-instructions-are-on-the-same-cache-line`.
 */
function twoModifiedInstructions(x: Execution): boolean {
  let first: string | undefined;
  for (const e of x.events)
    if (e.kind === 'W' && e.thread >= 0 && e.loc !== undefined && parseCodeAddress(e.loc)) {
      if (first === undefined) first = e.loc;
      else if (e.loc !== first) return true;
    }
  return false;
}

/**
 * `aarch64fences.cat`'s deprecation flags: a DMB with a shareability argument,
 * a DSB of loads or stores only with a scope.
 */
function deprecatedBarriers(x: Execution, raised: string[]): void {
  const options = new Set<string>();
  for (const e of x.events) {
    const b = e.kind === 'F' ? barrier(e.label) : undefined;
    if (b) options.add(`${b[0]}.${b[1]}`);
  }
  const any = (kind: string, names: readonly string[]) =>
    names.some((o) => options.has(`${kind}.${o}`));
  const scoped = ['NSH', 'ISH', 'OSH'];
  if (any('DMB', [...scoped, ...scoped.map((o) => `${o}LD`), ...scoped.map((o) => `${o}ST`)]))
    raised.push('Shareability-argument-for-DMB-is-deprecated');
  if (
    any(
      'DSB',
      scoped.map((o) => `${o}LD`),
    )
  )
    raised.push('Maintenance-scope-for-DSB-LD-is-deprecated');
  if (
    any(
      'DSB',
      scoped.map((o) => `${o}ST`),
    )
  )
    raised.push('Maintenance-scope-for-DSB-ST-is-deprecated');
}

/** `aarch64.cat` with `-variant ifetch,fatal`; `CacheType=IDC`/`DIC` select the IDC/DIC variants. */
export const aarch64Model: LitmusModel = {
  name: 'aarch64.cat -variant ifetch,fatal',
  consistent: (x) => hasConsistentCompletion(x),
  flags(x) {
    const raised: string[] = [];
    if (twoModifiedInstructions(x))
      raised.push('Assuming-no-two-modified-instructions-are-on-the-same-cache-line');
    if (hasConsistentCompletion(x, cmodxViolated)) raised.push('violates-CMODX-requirements');
    deprecatedBarriers(x, raised);
    return raised;
  },
};
