/* gkmlpt: the list of a category comes from /gkmlpt/api/all/{category}?page=N&sid=SID; an
   article's body from _CONFIG.DETAIL.content. */
(function(){
var C = window._CONFIG || {};
function esc(s){ return String(s).replace(/[&<>"]/g, function(c){ return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]; }); }
function day(ts){ var d = new Date(ts * 1000); return d.getFullYear() + '-' + ('0' + (d.getMonth() + 1)).slice(-2) + '-' + ('0' + d.getDate()).slice(-2); }
function $(id){ return document.getElementById(id); }
if (C.DETAIL) {
	var D = C.DETAIL;
	if ($('title')) { $('title').innerHTML = esc(D.title); }
	if ($('info')) { $('info').innerHTML = '发布机构：' + esc(D.publisher) + '　发布日期：' + day(D.date); }
	if ($('content')) { $('content').innerHTML = D.content; }
	if ($('attachments') && D.attachment && D.attachment.length) {
		$('attachments').innerHTML = '附件：' + D.attachment.map(function(a){ return '<a href="' + esc(a.url) + '" target="_blank">' + esc(a.name) + '</a>'; }).join(' ');
	}
	return;
}
if (!C.TREE) { return; }
var tree = $('tree');
tree.innerHTML = C.TREE.map(function(n){ return '<li><a href="#' + n.id + '">' + esc(n.name) + '</a>(' + n.post_count + ')</li>'; }).join('');
function load(page){
	var cat = location.hash.replace('#', '') || C.TREE[0].id;
	var x = new XMLHttpRequest();
	x.open('GET', '/gkmlpt/api/all/' + cat + '?page=' + page + '&sid=' + C.SID);
	x.onload = function(){
		var d = JSON.parse(x.responseText), pages = Math.max(1, Math.ceil(d.total / 10));
		$('list').innerHTML = d.articles.map(function(a){
			return '<li><a href="' + esc(a.url) + '" target="_blank" title="' + esc(a.title) + '">' + esc(a.title) + '</a><span>' + day(a.date) + '</span></li>';
		}).join('');
		var h = '共' + d.total + '条 ';
		for (var p = 1; p <= pages; p++) { h += p == page ? '<b>' + p + '</b> ' : '<a href="javascript:void(0)" data-p="' + p + '">' + p + '</a> '; }
		$('pager').innerHTML = h;
		var as = $('pager').getElementsByTagName('a');
		for (var i = 0; i < as.length; i++) { as[i].onclick = function(){ load(parseInt(this.getAttribute('data-p'), 10)); }; }
	};
	x.send();
}
window.addEventListener('hashchange', function(){ load(1); });
load(1);
})();
