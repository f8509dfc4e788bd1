/*
 * Value types shared by every stream's API shapes. tsoa turns the JSDoc into validation
 * and into one named schema each in the OpenAPI document.
 */

/**
 * An amount in euro cents: a JSON integer, never a float or a string. 7017792000 = EUR 70,177,920.00.
 * @isLong
 * @minimum 0
 * @maximum 9007199254740991
 */
export type Cents = number;

/**
 * A calendar date, ISO 8601 `YYYY-MM-DD`.
 * @pattern ^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$
 */
export type IsoDate = string;

/**
 * A project's id (the passport stream's id without its prefix).
 * @format uuid
 */
export type ProjectId = string;
