import { z } from 'zod';
import { isCountryCode } from './countries.js';

export const Email = z.string().trim().toLowerCase().max(254).email();

/**
 * Passwords everyone tries first (from the published lists of leaked passwords), at the length
 * signup asks for. Kept to those: a longer list would refuse what shoppers and scripts commonly
 * use on purpose ("password123" is weak, but common enough in test suites to be refused only
 * by a real breach check, which this shop cannot call).
 */
const COMMON_PASSWORDS = new Set(
  'password 12345678 123456789 1234567890 87654321 11111111 00000000 qwertyui qwertyuiop asdfghjk iloveyou abcdefgh abc12345 abcd1234 12341234 passw0rd baseball football sunshine princess superman'.split(
    ' ',
  ),
);

/**
 * As NIST SP 800-63B has it: length, and not a password attackers try first; no rules of
 * character classes, which make passwords harder to remember and no harder to guess ("a long
 * passphrase of words" is a good password with letters alone).
 */
export const Password = z
  .string()
  .min(8, 'password must have at least 8 characters')
  .max(200)
  .refine((p) => !COMMON_PASSWORDS.has(p.toLowerCase()), 'password is one of the first that attackers try')
  .refine((p) => new Set(p).size > 2, 'password needs more than one or two different characters');

/**
 * Why a password is not one to set for the account of `email`, beyond `Password`'s rules: the
 * email itself, or its part before the @, is the first guess of whoever knows the address (NIST
 * SP 800-63B's "context-specific words"). Undefined when it is fine.
 */
export function passwordNamesAccount(password: string, email: string): string | undefined {
  const typed = password.trim().toLowerCase();
  const address = email.trim().toLowerCase();
  if (typed === address || typed === address.slice(0, address.lastIndexOf('@')))
    return 'password must not be your email address or its part before the @';
  return undefined;
}

/** The name a shopper is greeted and addressed by. */
const Name = z.string().trim().min(1).max(100);

/** What a signed-in shopper may change of their account without their password. */
export const ProfileInput = z.object({ name: Name }).strict();

export const SignupInput = z
  .object({
    email: Email,
    password: Password,
    name: Name,
  })
  .superRefine((input, ctx) => {
    const why = passwordNamesAccount(input.password, input.email);
    if (why) ctx.addIssue({ code: 'custom', path: ['password'], message: why });
  });
/**
 * Sign-in takes any email text: one that is not well formed belongs to no account, and gets the
 * same 401 as an unknown email or a wrong password (API.md), not a 400 that tells them apart.
 */
export const LoginInput = z.object({
  email: z.string().trim().toLowerCase().min(1).max(254),
  password: z.string().min(1).max(200),
});

/** A signed-in shopper's new password, with the current one (the session alone does not do). */
export const PasswordChangeInput = z
  .object({
    currentPassword: z.string().min(1).max(200),
    newPassword: Password,
  })
  .refine((input) => input.newPassword !== input.currentPassword, {
    path: ['newPassword'],
    message: 'the new password is the one you have now',
  });

/** Asks for a password reset link by mail. */
export const PasswordResetRequestInput = z.object({ email: Email });

/**
 * A new password (the rules of signup) with the token of a reset link. Our tokens are 43
 * characters; anything much longer is no token of ours.
 */
export const PasswordResetInput = z.object({
  token: z.string().min(1).max(200),
  newPassword: Password,
});

/**
 * A signed-in shopper's new email (signup's rules), with their password: a session alone (a
 * browser left signed in) must not move the account's sign-in and password resets elsewhere.
 */
export const EmailChangeInput = z.object({
  email: Email,
  password: z.string().min(1).max(200),
});

/** The token of an email change's link (as a reset's: 43 characters, anything much longer is none of ours). */
export const EmailChangeConfirmInput = z.object({ token: z.string().min(1).max(200) });

export const User = z.object({ id: z.string(), email: z.string(), name: z.string(), createdAt: z.number() });
export type User = z.infer<typeof User>;

/** An optional text field: left empty (as a form sends it) is not set. */
const optional = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));

export const AddressInput = z.object({
  name: z.string().trim().min(1).max(100),
  line1: z.string().trim().min(1).max(200),
  line2: optional(200),
  city: z.string().trim().min(1).max(100),
  /** State, province, county or region, where the country's addresses name one. */
  region: optional(100),
  // Letters, digits, spaces and hyphens, as postal codes are written the world over.
  postalCode: z
    .string()
    .trim()
    .min(1)
    .max(20)
    .regex(/^[A-Za-z0-9][A-Za-z0-9 -]*$/, 'must be letters, digits, spaces and hyphens'),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code, such as GB or US'),
  /** For the courier: digits, with spaces, dots, hyphens, brackets and a leading +; 6-15 digits. */
  phone: optional(30).refine(
    (v) => v === undefined || (/^\+?[0-9 ().-]+$/.test(v) && /^(\D*\d){6,15}\D*$/.test(v)),
    'must be a phone number: 6 to 15 digits, and a leading + for the country',
  ),
});
export type AddressInput = z.infer<typeof AddressInput>;
export type Address = AddressInput & { id: string };
