import './console.js';
