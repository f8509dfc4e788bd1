/** The roles this service knows. One user may hold several. */
export const ROLES = [
  /** Finansējuma saņēmējs: the organisation that receives the grant, or a partner of it. */
  'beneficiary',
  /** Monitoring body (uzraudzības iestāde): verifies what beneficiaries submit. */
  'officer',
  /** Ministry or senior officer: approves what officers verified. */
  'approver',
  /** Monitoring council (uzraudzības komiteja): reads reports. */
  'council',
  /** Reads everything including history; may raise audit findings. */
  'auditor',
  /** Maintains reference data such as funds. */
  'admin',
] as const;

export type Role = (typeof ROLES)[number];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** A Latvian organisation registration number (reģistrācijas numurs): 11 digits. */
export const ORGANISATION_NUMBER = /^\d{11}$/;

/** Who is calling, as the verified token says. */
export interface Principal {
  /** The token's `sub`: the user id. */
  readonly id: string;
  readonly name: string;
  /** The token's `org`: registration number of the user's organisation. */
  readonly organisation: string;
  /** Only the roles this service knows; others the identity provider issues are ignored. */
  readonly roles: readonly Role[];
}

/** The principal on a secured route, with the role under which this call was allowed. */
export interface AuthenticatedUser extends Principal {
  readonly role: Role;
}
