// torchvision.models._meta's COCO tables: the 91 category names of the detection weights (index = label; 'N/A'
// where COCO has no category), the two of the keypoint weights, and the 17 person keypoints in order.
// Read from torchvision 0.14 (torchvision.models._meta), not typed by hand.
export const COCO_CATEGORIES: readonly string[] = Object.freeze([
  '__background__', 'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat',
  'traffic light', 'fire hydrant', 'N/A', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse',
  'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'N/A', 'backpack', 'umbrella', 'N/A', 'N/A', 'handbag',
  'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove',
  'skateboard', 'surfboard', 'tennis racket', 'bottle', 'N/A', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl',
  'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair',
  'couch', 'potted plant', 'bed', 'N/A', 'dining table', 'N/A', 'N/A', 'toilet', 'N/A', 'tv', 'laptop', 'mouse',
  'remote', 'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'N/A', 'book', 'clock',
  'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
]);
export const COCO_PERSON_CATEGORIES: readonly string[] = Object.freeze([
  'no person', 'person',
]);
export const COCO_PERSON_KEYPOINT_NAMES: readonly string[] = Object.freeze([
  'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow',
  'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle',
  'right_ankle',
]);

/**
 * The COCO person skeleton (the "skeleton" of person_keypoints annotation files), as pairs of 0-based indices into
 * COCO_PERSON_KEYPOINT_NAMES: the `connectivity` that drawKeypoints joins with lines.
 */
export const COCO_PERSON_SKELETON: readonly (readonly [number, number])[] = Object.freeze(([
  [16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11], [2, 3], [1, 2],
  [1, 3], [2, 4], [3, 5], [4, 6], [5, 7],
] as const).map(([a, b]) => [a - 1, b - 1] as const));
