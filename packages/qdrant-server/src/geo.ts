import { isObject } from "./payload-paths.js";

/**
 * Geo conditions as Qdrant checks them (segment/src/types.rs GeoBoundingBox,
 * GeoRadius, GeoPolygon): a payload value is a `{lon, lat}` object; the
 * bounding box may cross the antimeridian; the radius is haversine distance
 * in metres on the mean Earth radius, as the `geo` crate computes it; points
 * on a boundary are outside.
 */

export interface GeoPoint {
  lon: number;
  lat: number;
}

export type GeoTest = (point: GeoPoint) => boolean;

const EARTH_RADIUS_M = 6_371_008.8;

/** A payload value as a geo point, when it is one. */
export function asGeoPoint(value: unknown): GeoPoint | undefined {
  if (!isObject(value) || typeof value.lon !== "number" || typeof value.lat !== "number") {
    return undefined;
  }
  return { lon: value.lon, lat: value.lat };
}

/** Parses a request's geo point, or undefined when it is malformed. */
export function parseGeoPoint(json: unknown): GeoPoint | undefined {
  const point = asGeoPoint(json);
  if (!point || Math.abs(point.lon) > 180 || Math.abs(point.lat) > 90) return undefined;
  return point;
}

export function boundingBox(topLeft: GeoPoint, bottomRight: GeoPoint): GeoTest {
  return (p) => {
    const lonInside =
      topLeft.lon > bottomRight.lon
        ? p.lon > topLeft.lon || p.lon < bottomRight.lon
        : topLeft.lon < p.lon && p.lon < bottomRight.lon;
    return lonInside && bottomRight.lat < p.lat && p.lat < topLeft.lat;
  };
}

export function radius(center: GeoPoint, metres: number): GeoTest {
  return (p) => haversine(center, p) < metres;
}

export function polygon(exterior: GeoPoint[], interiors: GeoPoint[][]): GeoTest {
  return (p) => insideRing(exterior, p) && !interiors.some((ring) => insideRing(ring, p));
}

function haversine(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(h));
}

/** Even-odd ray casting; points on an edge count as outside. */
function insideRing(ring: GeoPoint[], p: GeoPoint): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i] as GeoPoint;
    const b = ring[j] as GeoPoint;
    if (onSegment(a, b, p)) return false;
    if (a.lat > p.lat !== b.lat > p.lat) {
      const lonAtLat = ((b.lon - a.lon) * (p.lat - a.lat)) / (b.lat - a.lat) + a.lon;
      if (p.lon < lonAtLat) inside = !inside;
    }
  }
  return inside;
}

function onSegment(a: GeoPoint, b: GeoPoint, p: GeoPoint): boolean {
  const cross = (b.lon - a.lon) * (p.lat - a.lat) - (b.lat - a.lat) * (p.lon - a.lon);
  if (Math.abs(cross) > 1e-12) return false;
  return (
    Math.min(a.lon, b.lon) <= p.lon &&
    p.lon <= Math.max(a.lon, b.lon) &&
    Math.min(a.lat, b.lat) <= p.lat &&
    p.lat <= Math.max(a.lat, b.lat)
  );
}
