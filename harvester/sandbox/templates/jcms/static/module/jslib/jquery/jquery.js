/* A small stand-in for the jQuery the JCMS templates load: $(fn), $(document).ready(fn), $('#id'). */
(function(){
function Q(el){ this.el = el; }
Q.prototype.ready = function(f){ $(f); return this; };
function $(sel){
	if (typeof sel === 'function') {
		if (document.readyState !== 'loading') { sel(); } else { document.addEventListener('DOMContentLoaded', sel); }
		return;
	}
	if (sel === document || sel === window) { return new Q(document); }
	if (typeof sel === 'string' && /^#[\w-]+$/.test(sel)) { return new Q(document.getElementById(sel.substring(1))); }
	return new Q(typeof sel === 'string' ? document.querySelector(sel) : sel);
}
$.fn = Q.prototype;
window.$ = window.jQuery = $;
})();
