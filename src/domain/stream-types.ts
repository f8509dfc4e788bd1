import { budgetDecider } from './budget/decider.js';
import type { Decider } from './decider.js';
import { duplicateAlertDecider } from './dupalert/decider.js';
import { findingDecider } from './finding/decider.js';
import { fundDecider } from './fund/decider.js';
import { indicatorDecider } from './indicator/decider.js';
import { passportDecider } from './passport/decider.js';
import { programmeDecider } from './programme/decider.js';
import { programmeNodeDecider } from './programme-node/decider.js';

type Fold = Pick<Decider<any, any, any>, 'evolve' | 'initialState'>;

/** How to fold each stream type into its state: the auditor's history and time travel use it. */
export const streamTypes: Readonly<Record<string, Fold>> = {
  fund: fundDecider,
  budget: budgetDecider,
  dupalert: duplicateAlertDecider,
  programme: programmeDecider,
  programme_node: programmeNodeDecider,
  passport: passportDecider,
  indicator: indicatorDecider,
  finding: findingDecider,
};
