/**
 * How the canvas frames the graph: the zoom controls and the minimap sit in a strip along the canvas' bottom edge,
 * and fit view keeps the graph out of that strip; it never zooms out so far that labels are too small to read (a
 * graph wider than that is scrolled to instead).
 */
import type { FitViewOptions } from '@xyflow/react';

/** The smallest zoom fit view picks: node titles (14 px) stay at 10.5 px or more on screen. */
export const FIT_MIN_ZOOM = 0.75;
/** The zoom of a new, empty canvas: a row of five nodes fits beside the palette and the inspector at 1440 px. */
export const DEFAULT_ZOOM = 0.85;
/** Margin of the controls and the minimap from the canvas' edges. */
export const OVERLAY_MARGIN = 12;
export const MINIMAP_SIZE = { width: 150, height: 90 };
/** Height of the strip along the bottom that the minimap and the zoom controls take, margins included. */
export const OVERLAY_STRIP = MINIMAP_SIZE.height + 2 * OVERLAY_MARGIN;

export const FIT_OPTIONS: FitViewOptions = {
  padding: { top: '24px', left: '24px', right: '24px', bottom: `${OVERLAY_STRIP + 12}px` },
  minZoom: FIT_MIN_ZOOM,
  maxZoom: 1.2,
};

export const ANIMATED_FIT_OPTIONS: FitViewOptions = { ...FIT_OPTIONS, duration: 300 };
