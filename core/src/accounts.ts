import { z } from 'zod';

export const Email = z.string().trim().toLowerCase().max(254).email();

export const SignupInput = z.object({
  email: Email,
  password: z
    .string()
    .min(8, 'password must have at least 8 characters')
    .max(200)
    .refine((p) => /[A-Za-z]/.test(p) && /[^A-Za-z]/.test(p), 'password needs letters and a digit or symbol'),
  name: z.string().trim().min(1).max(100),
});
/**
 * Sign-in takes any email text: one that is not well formed belongs to no account, and gets the
 * same 401 as an unknown email or a wrong password (API.md), not a 400 that tells them apart.
 */
export const LoginInput = z.object({
  email: z.string().trim().toLowerCase().min(1).max(254),
  password: z.string().min(1).max(200),
});

export const User = z.object({ id: z.string(), email: z.string(), name: z.string(), createdAt: z.number() });
export type User = z.infer<typeof User>;

export const AddressInput = z.object({
  name: z.string().trim().min(1).max(100),
  line1: z.string().trim().min(1).max(200),
  line2: z.string().trim().max(200).optional(),
  city: z.string().trim().min(1).max(100),
  postalCode: z.string().trim().min(1).max(20),
  country: z.string().trim().length(2).toUpperCase(),
});
export type AddressInput = z.infer<typeof AddressInput>;
export type Address = AddressInput & { id: string };
